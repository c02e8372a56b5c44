import { lockRepository } from '../../core/engine/locks';
import { prune } from '../../core/engine/prune';
import { applyRetention, type RetentionPolicy } from '../../core/engine/retention';
import { listSnapshots } from '../../core/engine/snapshots';
import { defineCommand, type OptionSpec } from '../command';
import { formatBytes } from '../format';
import { refreshSiteSummary } from '../../core/automation/site-summary';
import { openCore } from '../../core/open-core';
import { JSON_OPTION, looksLikeName, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

const KEEP = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const KEEP_OPTIONS = Object.fromEntries(
  KEEP.map((k) => [
    `keep-${k}`,
    {
      type: 'string',
      value: 'N',
      help: k === 'last' ? 'Keep the N newest snapshots.' : `Keep the newest snapshot of each of the last N ${k === 'daily' ? 'days' : k.replace(/ly$/, 's')}.`,
    } satisfies OptionSpec,
  ]),
) as Record<`keep-${(typeof KEEP)[number]}`, { type: 'string'; value: string; help: string }>;

export const forgetCommand = defineCommand({
  name: 'forget',
  summary: 'Remove the snapshots a retention policy (GFS) does not keep, per site.',
  usage: ['forget --repo REPO [--site NAME] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--prune] [--dry-run] [--json]'],
  details: ['Each site is judged on its own. At least one --keep-* rule is required: forget never removes everything.'],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    site: { type: 'string', value: 'NAME', help: 'Only this site’s snapshots.' },
    prune: { type: 'boolean', default: false, help: 'Then remove the data no snapshot needs any more.' },
    'dry-run': { type: 'boolean', default: false, help: 'Show what would be kept and removed; remove nothing.' },
    ...KEEP_OPTIONS,
  },
  env: REPO_ENV,
  async run({ values }, io, env) {
    const policy: RetentionPolicy = {};
    for (const rule of KEEP) {
      const raw = values[`keep-${rule}`];
      if (raw === undefined) continue;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--keep-${rule} takes a whole number, got ${String(raw)}.`);
      policy[rule] = n;
    }
    if (!Object.values(policy).some((n) => (n ?? 0) > 0)) throw new UsageError('Give at least one --keep-* rule; forget never removes everything.');
    const repo = await openRepo(values.repo, env, values, { loadIndex: values.prune });
    try {
      const all = (await listSnapshots(repo)).filter((s) => !values.site || s.site === values.site);
      const sites = [...new Set(all.map((s) => s.site))].sort();
      const result = sites.map((site) => ({
        site,
        ...applyRetention(
          all.filter((s) => s.site === site),
          policy,
        ),
      }));
      if (!values['dry-run']) {
        const lock = await lockRepository(repo, 'forget', true);
        try {
          for (const group of result) for (const s of group.remove) await repo.backend.delete(`snapshots/${s.id}`);
        } finally {
          await lock.release();
        }
        // A saved destination's sites: the catalog's summaries (what the dashboard shows) follow the removal.
        if (values.repo !== undefined && looksLikeName(values.repo) && result.some((g) => g.remove.length > 0)) {
          const core = await openCore({ shell: 'cli', env });
          for (const site of core.sites.list())
            if (site.destination === values.repo && result.some((g) => g.site === site.name && g.remove.length > 0)) await refreshSiteSummary(core.catalog, repo, site.name, values.repo);
        }
      }
      const pruned = !values['dry-run'] && values.prune ? await prune(repo) : null;
      if (values.json) {
        io.out(
          JSON.stringify({
            dry_run: values['dry-run'],
            sites: result.map((g) => ({
              site: g.site,
              keep: g.keep.map((k) => ({ id: k.snapshot.id, time: k.snapshot.time, reasons: k.reasons })),
              remove: g.remove.map((s) => ({ id: s.id, time: s.time })),
            })),
            prune: pruned,
          }),
        );
      } else {
        for (const g of result) {
          io.out(`${g.site}: keep ${g.keep.length}, ${values['dry-run'] ? 'would remove' : 'removed'} ${g.remove.length}`);
          for (const k of g.keep) io.out(`  keep   ${k.snapshot.id.slice(0, 8)} ${k.snapshot.time} (${k.reasons.join(', ')})`);
          for (const s of g.remove) io.out(`  remove ${s.id.slice(0, 8)} ${s.time}`);
        }
        if (pruned) io.out(`Pruned: ${pruned.packsDeleted} packs deleted, ${pruned.packsRepacked} repacked, ${formatBytes(pruned.bytesFreed)} freed.`);
      }
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
