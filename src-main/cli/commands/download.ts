import { parseArgs } from 'node:util';
import { downloadToFile, formatFromFileName, type DownloadFormat } from '../../core/downloads/download';
import { DATABASE_DUMP_PATH } from '../../core/engine/backup';
import { restoreToFolder } from '../../core/engine/restore';
import { resolveSnapshot } from '../../core/engine/snapshots';
import { formatBytes } from '../format';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { openRepo, REMOTE_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

const FORMATS = ['zip', 'tar.gz', 'tar', 'sql', 'folder'] as const;

/** `sitevault download --repo REPO SNAPSHOT --out FILE.zip|FILE.tar.gz|DIR [--path P]... [--db-only] [--format F]` */
export async function downloadCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      repo: { type: 'string' },
      ...REMOTE_OPTIONS,
      out: { type: 'string' },
      path: { type: 'string', multiple: true, default: [] },
      'db-only': { type: 'boolean', default: false },
      format: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (!values.out) throw new UsageError('--out FILE.zip|FILE.tar.gz|DIR is required.');
  if (values['db-only'] && values.path.length > 0) throw new UsageError('--db-only and --path exclude each other.');
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}.`);
  const format = (values.format ?? formatFromFileName(values.out)) as DownloadFormat | 'folder' | null;
  if (!format) throw new UsageError(`Cannot tell the format from ${values.out}: name it .zip, .tar.gz, .tar or .sql, or give --format (folder for a plain folder).`);
  const snapshotArg = requirePositional(positionals, 0, 'SNAPSHOT');
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const snapshot = await resolveSnapshot(repo, snapshotArg);
    if (format === 'folder') {
      const paths = values['db-only'] ? [DATABASE_DUMP_PATH] : values.path;
      const result = await restoreToFolder(repo, snapshot, values.out, { paths, onProgress: bar.listener, signal: controller.signal });
      bar.done();
      if (values.json) io.out(JSON.stringify({ snapshot: snapshot.id, out: values.out, format, ...result }));
      else io.out(`Saved ${result.files} files (${formatBytes(result.bytes)}) from snapshot ${snapshot.id.slice(0, 8)} into ${values.out}.`);
      for (const f of result.failed) io.err(`NOT saved: ${f.path}: ${f.message}`);
      return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
    }
    const result = await downloadToFile(repo, snapshot, values.out, { format, paths: values.path, databaseOnly: values['db-only'], onProgress: bar.listener, signal: controller.signal });
    bar.done();
    if (values.json) {
      io.out(JSON.stringify({ snapshot: snapshot.id, out: result.path, format: result.format, files: result.files, dirs: result.dirs, symlinks: result.symlinks, bytes: result.bytes, archive_bytes: result.archiveBytes }));
    } else {
      io.out(`Wrote ${result.path}: ${result.files} files (${formatBytes(result.bytes)}) from snapshot ${snapshot.id.slice(0, 8)}, ${formatBytes(result.archiveBytes)} as ${result.format}.`);
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    await repo.backend.close();
  }
}
