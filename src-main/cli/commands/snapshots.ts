import { listSnapshots, type SnapshotWithId } from '../../core/engine/snapshots';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK } from '../usage';

function snapshotJson(s: SnapshotWithId) {
  return {
    id: s.id,
    short_id: s.id.slice(0, 8),
    time: s.time,
    site: s.site,
    hostname: s.hostname,
    /** Which installation made it: sites of the same name from two installations sharing a repository differ here. */
    installation: s.installation ?? null,
    tags: s.tags,
    kind: s.kind,
    parent: s.parent,
    files: s.stats.files,
    bytes: s.stats.bytes,
    warnings: s.warnings.length,
    original: s.original,
  };
}

export const snapshotsCommand = defineCommand({
  name: 'snapshots',
  summary: 'List the snapshots in a repository.',
  usage: ['snapshots --repo REPO [--site NAME] [--json]'],
  options: { ...REPO_OPTIONS, ...JSON_OPTION, site: { type: 'string', value: 'NAME', help: 'Only this site’s snapshots.' } },
  env: REPO_ENV,
  async run({ values }, io, env) {
    const repo = await openRepo(values.repo, env, values, { loadIndex: false });
    try {
      const snapshots = (await listSnapshots(repo)).filter((s) => !values.site || s.site === values.site);
      if (values.json) {
        io.out(JSON.stringify(snapshots.map(snapshotJson)));
        return EXIT_OK;
      }
      if (snapshots.length === 0) io.out(values.site ? `No snapshots of ${values.site} in this repository yet.` : 'No snapshots in this repository yet. Make one with sitevault backup.');
      // In a repository that several installations share, each line says where it was made.
      const shared = new Set(snapshots.map((s) => s.installation ?? null)).size > 1;
      for (const s of snapshots) {
        const origin = shared ? `  on ${s.hostname} (${s.installation ? `installation ${s.installation.slice(0, 8)}` : 'installation not recorded'})` : '';
        io.out(
          `${s.id.slice(0, 8)}  ${s.time}  ${s.site.padEnd(20)} ${String(s.stats.files).padStart(7)} files ${formatBytes(s.stats.bytes).padStart(10)}  ${s.tags.join(',')}${s.warnings.length ? `  (${s.warnings.length} warnings)` : ''}${origin}`,
        );
      }
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
