import type { Output } from '../../core/contract/operations';
import { openCore } from '../../core/open-core';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { JSON_OPTION } from '../repo-access';
import { callService } from '../service-call';
import { EXIT_OK, UsageError } from '../usage';

type Report = Output<'report:build'>;

/** Local time, to the minute: "2026-11-28 02:00". */
function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function storageLine(storage: Report['sites'][number]['storage']): string {
  if (storage.bytes === null) return 'unknown';
  if (storage.method === 'repository') return `${formatBytes(storage.bytes)} (the whole repository, which holds this site alone)`;
  const shared = storage.sharedWith > 0 ? `; the repository is shared with ${plural(storage.sharedWith, 'other site')}` : '';
  const total = storage.repositoryBytes !== null ? `, ${formatBytes(storage.repositoryBytes)} in all` : '';
  return `about ${formatBytes(storage.bytes)} (new data its kept snapshots added${shared}${total})`;
}

/** The report as text: a block per site, then the totals. */
export function reportText(report: Report): string[] {
  const scope = report.scope.kind === 'site' ? report.scope.site : `sites tagged ${report.scope.tag}`;
  const lines = [`Client report for ${scope}, ${report.month}${report.author.name ? `, by ${report.author.name}` : ''}`];
  for (const s of report.sites) {
    const tests = s.verifications.filter((v) => v.kind === 'test-restore');
    const checks = s.verifications.filter((v) => v.kind !== 'test-restore');
    const failedChecks = s.verifications.filter((v) => !v.ok).length;
    lines.push(
      '',
      `${s.site}${s.tags.length ? `  (${s.tags.join(', ')})` : ''}`,
      `  Backups:        ${s.backups.succeeded} made, ${s.backups.failed} failed; ${s.kept === null ? 'kept: unknown' : `${s.kept.length} of them kept`}${s.restorePoints !== null ? ` (${plural(s.restorePoints, 'restore point')} in all)` : ''}`,
      `  Restores:       ${s.restores.length === 0 ? 'none' : s.restores.map((r) => `${localTime(r.started)} ${r.target === 'site' ? 'to the site' : 'into a folder'}: ${r.status}`).join('; ')}`,
      `  Test restores:  ${tests.length === 0 ? 'none' : `${tests.filter((v) => v.ok).length} of ${tests.length} passed`}`,
      `  Checks:         ${checks.length === 0 ? 'none' : `${checks.filter((v) => v.ok).length} of ${checks.length} passed`}${failedChecks ? `  (${plural(failedChecks, 'problem')} found)` : ''}`,
      `  Storage used:   ${storageLine(s.storage)}`,
      `  Last verified restore point: ${s.lastVerified ? `${s.lastVerified.time ? localTime(s.lastVerified.time) : 'time unknown'} (snapshot ${s.lastVerified.snapshot.slice(0, 8)}, ${s.lastVerified.kind === 'test-restore' ? 'test restore' : 'read back'} ${localTime(s.lastVerified.verified)})` : 'none'}`,
    );
    for (const r of s.backups.runs.filter((run) => run.status === 'failed')) lines.push(`  Failed ${localTime(r.started)}: ${r.error ?? 'no reason recorded'}`);
    if (s.repositoryError) lines.push(`  ${s.repositoryError}`);
  }
  if (report.sites.length > 1) {
    const t = report.totals;
    lines.push(
      '',
      `Totals: ${t.backups} backups made, ${t.failed} failed, ${t.kept ?? 'unknown'} kept, ${plural(t.restores, 'restore')}, ${plural(t.testRestores, 'test restore')}, ${plural(t.checks, 'check')}, ${plural(t.problems, 'problem')}; storage ${t.storageBytes === null ? 'unknown' : formatBytes(t.storageBytes)}`,
    );
  }
  return lines;
}

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'A client report: a site’s (or a tag’s sites’) backups, restores, checks and storage in a month.',
  usage: ['report (--site NAME | --tag TAG) --month YYYY-MM [--json]'],
  details: ['Months are in local time. Restores are listed when the app ran them (it keeps the jobs’ history).'],
  options: {
    ...JSON_OPTION,
    site: { type: 'string', value: 'NAME', help: 'The saved site to report on.' },
    tag: { type: 'string', value: 'TAG', help: 'Report on every site with this tag.' },
    month: { type: 'string', value: 'YYYY-MM', help: 'The month to report on.' },
  },
  env: { SITEVAULT_HOME: 'The data folder (settings, catalog); secrets are in the keychain.' },
  async run({ values }, io, env) {
    if ((values.site === undefined) === (values.tag === undefined)) throw new UsageError('Give --site NAME or --tag TAG (one of them).');
    if (values.month === undefined) throw new UsageError('Give the month: --month YYYY-MM.');
    const core = await openCore({ shell: 'cli', env });
    const report = await callService(core, 'report:build', { site: values.site, tag: values.tag, month: values.month }, { month: '--month', site: '--site', tag: '--tag' });
    if (values.json) io.out(JSON.stringify(report));
    else for (const line of reportText(report)) io.out(line);
    return EXIT_OK;
  },
});
