import { resolve } from 'node:path';
import { formatFromFileName, type DownloadFormat, type DownloadResult } from '../../core/downloads/download';
import { DATABASE_DUMP_PATH } from '../../core/engine/backup';
import type { RestoreResult } from '../../core/engine/restore';
import { openCore } from '../../core/open-core';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { followJob, followJobToResult } from '../job-wait';
import { JSON_OPTION, REPO_ENV, REPO_OPTIONS, requirePositional, serviceRepository } from '../repo-access';
import { callService } from '../service-call';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

const FORMATS = ['zip', 'tar.gz', 'tar', 'sql', 'sql.gz', 'file', 'folder'] as const;

export const downloadCommand = defineCommand({
  name: 'download',
  summary: 'Save a snapshot, some of its paths, or its database dump as an archive or a folder.',
  usage: ['download --repo REPO SNAPSHOT --out FILE.zip|FILE.tar.gz|FILE.tar|FILE.sql|FILE.sql.gz|DIR [--path P]... [--db-only] [--format F] [--json]'],
  details: ['The file is written under a temporary name and renamed when complete. Modes never carry setuid or setgid bits.'],
  positionals: [{ name: 'SNAPSHOT', help: 'A snapshot id (a prefix is enough) or "latest".' }],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    out: { type: 'string', value: 'FILE|DIR', help: 'Where to write it; the name gives the format (.zip, .tar.gz, .tar, .sql, .sql.gz).' },
    path: { type: 'string', multiple: true, default: [], value: 'P', help: 'Only this file or folder of the snapshot (repeatable).' },
    'db-only': { type: 'boolean', default: false, help: 'Only the database dump (.sql for bare SQL, .sql.gz gzipped).' },
    format: { type: 'string', value: 'F', help: `The format when the name does not say: ${FORMATS.join(', ')} (file: one --path file as it is).` },
  },
  env: REPO_ENV,
  async run({ values, positionals }, io, env) {
    if (!values.out) throw new UsageError('--out FILE.zip|FILE.tar.gz|DIR is required.');
    if (values['db-only'] && values.path.length > 0) throw new UsageError('--db-only and --path exclude each other.');
    if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}.`);
    const format = (values.format ?? formatFromFileName(values.out)) as DownloadFormat | 'folder' | null;
    if (!format) throw new UsageError(`Cannot tell the format from ${values.out}: name it .zip, .tar.gz, .tar or .sql, or give --format (folder for a plain folder).`);
    const snapshot = requirePositional(positionals, 0, 'SNAPSHOT');
    const core = await openCore({ shell: 'cli', env });
    const destination = await serviceRepository(core, values.repo, env, values);
    const out = resolve(values.out);
    if (format === 'folder') {
      const paths = values['db-only'] ? [DATABASE_DUMP_PATH] : values.path;
      const { jobId } = await callService(core, 'restore:toFolder', { destination, snapshot, paths, folder: out });
      const result = (await followJobToResult(core, jobId!)).result as unknown as RestoreResult & { snapshot: string };
      if (values.json)
        io.out(
          JSON.stringify({
            snapshot: result.snapshot,
            out: values.out,
            format,
            files: result.files,
            dirs: result.dirs,
            symlinks: result.symlinks,
            bytes: result.bytes,
            failed: result.failed,
            warnings: result.warnings,
          }),
        );
      else io.out(`Saved ${result.files} files (${formatBytes(result.bytes)}) from snapshot ${result.snapshot.slice(0, 8)} into ${values.out}.`);
      for (const f of result.failed) io.err(`NOT saved: ${f.path}: ${f.message}`);
      for (const w of result.warnings) io.err(`warning: ${w.path}: ${w.message}`);
      return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
    }
    const { jobId } = await callService(core, 'download:start', { destination, snapshot, paths: values.path, databaseOnly: values['db-only'], format, file: out });
    const result = (await followJob(core, jobId!)).result as unknown as DownloadResult & { snapshot: string; archiveBytes: number };
    if (values.json) {
      io.out(
        JSON.stringify({
          snapshot: result.snapshot,
          out: values.out,
          format: result.format,
          files: result.files,
          dirs: result.dirs,
          symlinks: result.symlinks,
          bytes: result.bytes,
          archive_bytes: result.archiveBytes,
        }),
      );
    } else {
      io.out(`Wrote ${values.out}: ${result.files} files (${formatBytes(result.bytes)}) from snapshot ${result.snapshot.slice(0, 8)}, ${formatBytes(result.archiveBytes)} as ${result.format}.`);
    }
    return EXIT_OK;
  },
});
