import { parseArgs } from 'node:util';
import { backup } from '../../core/engine/backup';
import { LocalSource } from '../../core/engine/local-source';
import { restoreToFolder } from '../../core/engine/restore';
import { resolveSnapshot } from '../../core/engine/snapshots';
import { formatBytes, formatDuration } from '../format';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { openRepo, REMOTE_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

const REPO = { repo: { type: 'string' }, ...REMOTE_OPTIONS } as const;

export async function backupCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...REPO,
      source: { type: 'string' },
      site: { type: 'string' },
      time: { type: 'string' },
      tag: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.source) throw new UsageError('--source is required (a local folder).');
  if (/^[a-z]+:\/\//i.test(values.source)) throw new UsageError('Remote sources need a saved site: see `sitevault site add`.');
  const time = values.time ? new Date(values.time) : undefined;
  if (time && Number.isNaN(time.getTime())) throw new UsageError(`--time is not an ISO 8601 time: ${values.time}`);
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const source = new LocalSource(values.source);
    const { id, snapshot } = await backup(repo, source, {
      site: values.site ?? source.description,
      tags: values.tag,
      time,
      signal: controller.signal,
      onProgress: bar.listener,
    });
    bar.done();
    const s = snapshot.stats;
    if (values.json) {
      io.out(
        JSON.stringify({
          id,
          time: snapshot.time,
          site: snapshot.site,
          files: s.files,
          bytes: s.bytes,
          files_new: s.files_new,
          files_changed: s.files_changed,
          files_unchanged: s.files_unchanged,
          bytes_read: s.bytes_read,
          bytes_added: s.bytes_added,
          duration_s: s.duration_s,
          warnings: snapshot.warnings,
        }),
      );
    } else {
      io.out(`Snapshot ${id.slice(0, 8)} of ${snapshot.site} saved.`);
      io.out(`  ${s.files} files (${s.files_new} new, ${s.files_changed} changed, ${s.files_unchanged} unchanged), ${formatBytes(s.bytes)}`);
      io.out(`  read ${formatBytes(s.bytes_read)}, stored ${formatBytes(s.bytes_added)} new, in ${formatDuration(s.duration_s)}`);
      for (const w of snapshot.warnings) io.out(`  warning: ${w.path}: ${w.message}`);
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    await repo.backend.close();
  }
}

export async function restoreCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...REPO, target: { type: 'string' }, path: { type: 'string', multiple: true, default: [] }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (!values.target) throw new UsageError('--target DIR is required.');
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  try {
    const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
    const result = await restoreToFolder(repo, snapshot, values.target, { paths: values.path, onProgress: bar.listener });
    bar.done();
    if (values.json) io.out(JSON.stringify({ snapshot: snapshot.id, target: values.target, ...result }));
    else {
      io.out(`Restored ${result.files} files, ${result.dirs} folders, ${result.symlinks} symlinks (${formatBytes(result.bytes)}) to ${values.target}.`);
      for (const f of result.failed) io.err(`NOT restored: ${f.path}: ${f.message}`);
    }
    return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}
