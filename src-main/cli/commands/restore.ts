import { resolve } from 'node:path';
import type { RestoreResult } from '../../core/engine/restore';
import { openCore } from '../../core/open-core';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { followJobToResult } from '../job-wait';
import { JSON_OPTION, REPO_ENV, REPO_OPTIONS, requirePositional, serviceRepository } from '../repo-access';
import { callService } from '../service-call';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';
import { restoreToSiteCommand } from './restore-site';

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'Restore a snapshot into a folder, or to a live site.',
  usage: [
    'restore --repo REPO SNAPSHOT --target DIR [--path P]... [--json]',
    'restore --repo REPO SNAPSHOT --to-site NAME [--files-only|--db-only] [--path P]... [--delete] [--dry-run] [--json] [--new-url URL] [--old-url URL] [--no-safety-snapshot]',
  ],
  details: [
    'To a site, only what differs is transferred, after a safety snapshot (restore that one with --delete',
    'to undo). Run the same command again to resume. "latest" is the site’s latest backup; a copy from',
    'another site takes an id and --new-url.',
  ],
  positionals: [{ name: 'SNAPSHOT', help: 'A snapshot id (a prefix is enough) or "latest".' }],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    target: { type: 'string', value: 'DIR', help: 'Restore into this folder on this computer.' },
    'to-site': { type: 'string', value: 'NAME', help: 'Restore to this saved site, over its own connection.' },
    path: { type: 'string', multiple: true, default: [], value: 'P', help: 'Only this file or folder (repeatable).' },
    'files-only': { type: 'boolean', default: false, help: 'To a site: the files, not the database.' },
    'db-only': { type: 'boolean', default: false, help: 'To a site: the database, not the files.' },
    delete: { type: 'boolean', default: false, help: 'To a site: delete files the snapshot does not have.' },
    'dry-run': { type: 'boolean', default: false, help: 'To a site: show what would change; change nothing.' },
    'new-url': { type: 'string', value: 'URL', help: 'To another site: its address, written into the database and wp-config.php.' },
    'old-url': { type: 'string', value: 'URL', help: 'The address to replace (default: the snapshot’s siteurl).' },
    'no-safety-snapshot': { type: 'boolean', default: false, help: 'To a site: skip the safety snapshot (no undo).' },
  },
  env: REPO_ENV,
  async run({ values, positionals }, io, env) {
    if (values.target && values['to-site']) throw new UsageError('--target DIR and --to-site NAME exclude each other.');
    if (values['to-site']) return restoreToSiteCommand(requirePositional(positionals, 0, 'SNAPSHOT'), { ...values, 'to-site': values['to-site'] }, io, env);
    if (!values.target) throw new UsageError('--target DIR or --to-site NAME is required.');
    for (const flag of ['files-only', 'db-only', 'delete', 'dry-run', 'no-safety-snapshot'] as const) if (values[flag]) throw new UsageError(`--${flag} is for --to-site.`);
    const snapshot = requirePositional(positionals, 0, 'SNAPSHOT');
    const core = await openCore({ shell: 'cli', env });
    const destination = await serviceRepository(core, values.repo, env, values);
    const { jobId } = await callService(core, 'restore:toFolder', { destination, snapshot, paths: values.path, folder: resolve(values.target) });
    const result = (await followJobToResult(core, jobId!)).result as unknown as RestoreResult & { snapshot: string };
    if (values.json)
      io.out(
        JSON.stringify({
          snapshot: result.snapshot,
          target: values.target,
          files: result.files,
          dirs: result.dirs,
          symlinks: result.symlinks,
          bytes: result.bytes,
          failed: result.failed,
          warnings: result.warnings,
        }),
      );
    else {
      io.out(`Restored ${result.files} files, ${result.dirs} folders, ${result.symlinks} symlinks (${formatBytes(result.bytes)}) to ${values.target}.`);
      for (const f of result.failed) io.err(`NOT restored: ${f.path}: ${f.message}`);
      for (const w of result.warnings) io.err(`warning: ${w.path}: ${w.message}`);
    }
    return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
  },
});
