import { checkRepository } from '../../core/engine/check';
import { defineCommand } from '../command';
import { terminalProgress } from '../progress-bar';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_DAMAGE, EXIT_OK, UsageError } from '../usage';

/** `--read-data` alone means every pack: parseArgs has no optional values, so it is spelled out. */
export function normalizeReadData(args: string[]): string[] {
  return args.map((arg) => (arg === '--read-data' ? '--read-data=100' : arg));
}

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'Check a repository’s structure, and read back some or all of its data.',
  usage: ['check --repo REPO [--read-data[=PERCENT]] [--json]'],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    'read-data': { type: 'string', value: 'PERCENT', help: 'Also read and verify this share of the data (alone: all of it).' },
  },
  env: REPO_ENV,
  exitCodes: { 3: 'damage found (each damaged object is named)' },
  normalize: normalizeReadData,
  async run({ values }, io, env) {
    const percent = values['read-data'] === undefined ? 0 : Number(String(values['read-data']).replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new UsageError('--read-data takes a percentage from 0 to 100.');
    const repo = await openRepo(values.repo, env, values);
    const bar = terminalProgress();
    try {
      const report = await checkRepository(repo, { readDataPercent: percent, onProgress: bar.listener });
      bar.done();
      if (values.json) io.out(JSON.stringify(report));
      else {
        io.out(`Checked ${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs${percent > 0 ? `; read ${report.packsRead} packs` : ''}.`);
        for (const d of report.damage) io.out(`DAMAGED ${d.kind} ${d.id}: ${d.message}${d.snapshots?.length ? ` (snapshots ${d.snapshots.map((s) => s.slice(0, 8)).join(', ')})` : ''}`);
        io.out(report.damage.length === 0 ? 'No damage found.' : `${report.damage.length} problems found.`);
      }
      return report.damage.length === 0 ? EXIT_OK : EXIT_DAMAGE;
    } finally {
      await repo.backend.close();
    }
  },
});
