import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ApiError } from '../contract/errors';
import { DATABASE_DUMP_PATH } from '../engine/backup';
import { ContentStream } from '../engine/content-stream';
import { ProgressTracker, type ProgressListener } from '../engine/progress';
import type { Repository } from '../engine/repository';
import type { SnapshotWithId } from '../engine/snapshots';
import { collectSelection, type SelectedNode } from '../engine/tree-walk';
import type { FileNode } from '../engine/tree';
import { TAR_END, tarHeader, tarPadding } from '../archive/tar-writer';
import { ZipWriter } from '../archive/zip-writer';

/** sql / sql.gz: the database dump alone (bare, or gzipped); file: one file as it is. */
export type DownloadFormat = 'zip' | 'tar.gz' | 'tar' | 'sql' | 'sql.gz' | 'file';

/** Whether a format is gzipped as it is written. */
const gzipped = (format: DownloadFormat) => format === 'tar.gz' || format === 'sql.gz';

export interface DownloadOptions {
  /** Snapshot paths to include (all when empty). */
  paths?: string[];
  /** Only the database dump, as `database.sql` (or the bare SQL for the `sql` format). */
  databaseOnly?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface DownloadResult {
  format: DownloadFormat;
  files: number;
  dirs: number;
  symlinks: number;
  /** File content bytes (before compression). */
  bytes: number;
}

/** The format a file name asks for, or null. */
export function formatFromFileName(name: string): DownloadFormat | null {
  if (/\.zip$/i.test(name)) return 'zip';
  if (/\.(tar\.gz|tgz)$/i.test(name)) return 'tar.gz';
  if (/\.tar$/i.test(name)) return 'tar';
  if (/\.sql$/i.test(name)) return 'sql';
  if (/\.sql\.gz$/i.test(name)) return 'sql.gz';
  return null;
}

async function write(sink: Writable, bytes: Buffer): Promise<void> {
  if (sink.destroyed) throw new Error('The download was closed before it finished.');
  if (!sink.write(bytes)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        sink.off('drain', done);
        sink.off('close', closed);
        resolve();
      };
      const closed = () => {
        sink.off('drain', done);
        reject(new Error('The download was closed before it finished.'));
      };
      sink.once('drain', done);
      sink.once('close', closed);
    });
  }
}

/** Gathers small writes (headers, small files) into ~1 MiB ones: each write to gzip or a file has a fixed cost. */
class BatchingSink {
  #parts: Buffer[] = [];
  #length = 0;

  constructor(private readonly sink: Writable) {}

  async write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    this.#parts.push(bytes);
    this.#length += bytes.length;
    if (this.#length >= 1024 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const joined = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    await write(this.sink, joined);
  }
}

async function selectEntries(repo: Repository, snapshot: SnapshotWithId, options: DownloadOptions): Promise<SelectedNode[]> {
  if (options.databaseOnly) {
    const selection = await collectSelection(repo, snapshot.tree, [DATABASE_DUMP_PATH]).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'NOT_FOUND') throw new ApiError('NOT_FOUND', `Snapshot ${snapshot.id.slice(0, 8)} holds no database dump.`);
      throw error;
    });
    return selection.nodes.filter((n) => !n.implied).map((n) => ({ ...n, path: 'database.sql' }));
  }
  const selection = await collectSelection(repo, snapshot.tree, options.paths ?? []);
  if (selection.failed.length > 0) {
    const first = selection.failed[0]!;
    throw new ApiError('INTERNAL', `The snapshot is damaged and cannot be downloaded whole: ${first.path}: ${first.message}. Run check; restore can still save the undamaged files.`);
  }
  return selection.nodes.filter((n) => !n.implied);
}

/**
 * Streams a snapshot (or some of its paths, or its database dump) into `sink` as an archive.
 * Memory stays bounded: file contents flow through in order, read a little ahead. Names come
 * from trees that were checked when read (one clean segment each), as for a restore.
 */
export async function writeDownload(repo: Repository, snapshot: SnapshotWithId, format: DownloadFormat, destination: Writable, options: DownloadOptions = {}): Promise<DownloadResult> {
  // Storage calls stop retrying once the job is cancelled.
  repo = repo.withSignal(options.signal);
  const batching = new BatchingSink(destination);
  const sink = { write: (bytes: Buffer) => batching.write(bytes) };
  const entries = await selectEntries(repo, snapshot, options);
  const result: DownloadResult = { format, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const files = entries.filter((e): e is SelectedNode & { node: FileNode } => e.node.type === 'file');
  const progress = new ProgressTracker(options.onProgress);
  progress.filesTotal = files.length;
  progress.bytesTotal = files.reduce((sum, f) => sum + f.node.size, 0);
  progress.phase = 'downloading';
  const content = new ContentStream(
    repo,
    files.map((f) => f.node),
  );
  const counted = async function* (path: string, pieces: AsyncIterable<Buffer>) {
    progress.currentPath = path;
    for await (const piece of pieces) {
      if (options.signal?.aborted) throw new ApiError('CANCELLED', 'The download was cancelled.');
      result.bytes += piece.length;
      progress.bytesDone += piece.length;
      progress.report();
      yield piece;
    }
    result.files++;
    progress.filesDone++;
  };

  if (format === 'sql' || format === 'sql.gz') {
    if (!options.databaseOnly || files.length !== 1) throw new ApiError('BAD_REQUEST', 'The .sql format is for the database dump alone.', { hint: 'database-only' });
    for await (const piece of counted(files[0]!.path, content.file(files[0]!.node))) await sink.write(piece);
  } else if (format === 'file') {
    if (options.databaseOnly || entries.length !== 1 || files.length !== 1) throw new ApiError('BAD_REQUEST', 'Only a single file can be downloaded as it is; choose an archive for a folder.');
    for await (const piece of counted(files[0]!.path, content.file(files[0]!.node))) await sink.write(piece);
  } else if (format === 'zip') {
    const zip = new ZipWriter((bytes) => sink.write(bytes));
    for (const { path, node } of entries) {
      if (node.type === 'dir') {
        await zip.addDir(path, node.mode, node.mtime);
        result.dirs++;
      } else if (node.type === 'symlink') {
        await zip.addSymlink(path, node.target, node.mtime);
        result.symlinks++;
      } else await zip.addFile(path, node.mode, node.mtime, node.size, counted(path, content.file(node)));
    }
    await zip.finish();
  } else {
    for (const { path, node } of entries) {
      await sink.write(tarHeader({ path, type: node.type, mode: node.mode, mtime: node.mtime, size: node.type === 'file' ? node.size : 0, target: node.type === 'symlink' ? node.target : undefined }));
      if (node.type === 'file') {
        let size = 0;
        for await (const piece of counted(path, content.file(node))) {
          size += piece.length;
          await sink.write(piece);
        }
        if (size !== node.size) throw new ApiError('INTERNAL', `${path} held ${size} bytes where the snapshot says ${node.size}; the archive would be corrupt.`);
        await sink.write(tarPadding(size));
      } else if (node.type === 'dir') result.dirs++;
      else result.symlinks++;
    }
    await sink.write(TAR_END);
  }
  await batching.flush();
  progress.phase = 'done';
  progress.report(true);
  return result;
}

/**
 * Downloads into a file. It is written under a temporary name beside it and renamed when
 * complete, so a failed or cancelled download never leaves a file that looks whole.
 */
export async function downloadToFile(
  repo: Repository,
  snapshot: SnapshotWithId,
  out: string,
  options: DownloadOptions & { format: DownloadFormat },
): Promise<DownloadResult & { path: string; archiveBytes: number }> {
  const { format } = options;
  const partial = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
  const fileClosed = new Promise<void>((resolve, reject) => file.once('close', resolve).once('error', reject));
  const gzip = gzipped(format) ? createGzip({ level: 1 }) : null;
  if (gzip) gzip.pipe(file);
  const sink = gzip ?? file;
  try {
    const result = await writeDownload(repo, snapshot, format, sink, options);
    sink.end();
    await fileClosed;
    await rename(partial, out);
    return { ...result, path: out, archiveBytes: file.bytesWritten };
  } catch (error) {
    sink.destroy();
    file.destroy();
    await fileClosed.catch(() => {});
    await unlink(partial).catch(() => {});
    throw error;
  }
}

/** Streams a download into any writable (an HTTP response): gzip for .tar.gz, ended when done. */
export async function streamDownload(repo: Repository, snapshot: SnapshotWithId, format: DownloadFormat, out: Writable, options: DownloadOptions = {}): Promise<DownloadResult> {
  const gzip = gzipped(format) ? createGzip({ level: 1 }) : null;
  if (gzip) gzip.pipe(out);
  const sink = gzip ?? out;
  const result = await writeDownload(repo, snapshot, format, sink, options);
  await new Promise<void>((resolve) => {
    out.once('finish', resolve);
    out.once('close', resolve);
    sink.end();
  });
  return result;
}

export function contentTypeOf(format: DownloadFormat): string {
  return { zip: 'application/zip', 'tar.gz': 'application/gzip', tar: 'application/x-tar', sql: 'application/sql', 'sql.gz': 'application/gzip', file: 'application/octet-stream' }[format];
}
