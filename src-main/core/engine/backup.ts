import { hostname } from 'node:os';
import { ApiError } from '../contract/errors';
import { BoundedQueue } from '../concurrency/bounded-queue';
import { mapLimit } from '../concurrency/map-limit';
import { chunkBuffer, chunkStream } from './chunker';

/** Files up to this size are read in one piece instead of streamed. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;
/** Bounds on small files from a stream being stored at once. */
const MAX_FILES_IN_FLIGHT = 32;
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
import { screenEntries } from './entry-names';
import { isReservedPath, RESERVED_DIR } from './name-case';
import { lockRepository } from './locks';
import { loadFileMap } from './parent-tree';
import { ProgressTracker, type ProgressListener } from './progress';
import type { BlobWriter, Repository } from './repository';
import { isSiteSnapshot, listSnapshots, snapshotSchema, type Snapshot, type SnapshotWithId } from './snapshots';
import { baseName, parentPath, SourceFileError, StreamRestartError, type Source, type SourceEntry, type Warning } from './source';
import type { FileNode, TreeNode } from './tree';

/** A file the backup produces itself (the database dump), stored under `.sitevault/`. */
export interface ExtraFile {
  /** Relative path, under RESERVED_DIR. */
  path: string;
  mode: number;
  /** Called again when the stream throws StreamRestartError: it must then start from its beginning. */
  content: () => AsyncIterable<Buffer>;
  /**
   * When set, a failure to produce the file that `warning` accepts (it returns the warning's
   * text; null rethrows) does not fail the backup: the snapshot is saved without the file,
   * carries this tag and the warning, and the failure is returned.
   */
  optional?: { tag: string; warning: (error: unknown) => string | null };
}

export { RESERVED_DIR };
export const DATABASE_DUMP_PATH = `${RESERVED_DIR}/database.sql`;

export interface BackupOptions {
  site: string;
  /** Produced files (a database dump); failing to produce one fails the backup. */
  extraFiles?: ExtraFile[];
  /** Skip the site's files (a database-only snapshot). */
  skipFiles?: boolean;
  tags?: string[];
  time?: Date;
  kind?: Snapshot['kind'];
  /** Use this snapshot as the parent instead of the site's latest. */
  parent?: SnapshotWithId | null;
  /** Re-read every file, even unchanged ones (coarse FTP times). */
  forceRead?: boolean;
  /** Found before the backup (about the site rather than one file); recorded in the snapshot first. */
  warnings?: Warning[];
  fileConcurrency?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface BackupResult {
  id: string;
  snapshot: Snapshot;
  /** The packs this backup wrote (or took over from an interrupted one), for verification. */
  packs: string[];
  /** Optional produced files that could not be made, and why (the snapshot was saved without them). */
  missing: Array<{ path: string; error: unknown }>;
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ApiError('CANCELLED', 'The backup was cancelled; no snapshot was written.');
}

function unchanged(entry: SourceEntry, previous: FileNode | undefined, writer: BlobWriter): previous is FileNode {
  return previous !== undefined && previous.size === entry.size && previous.mtime === entry.mtime && previous.content.every((id) => writer.has(id));
}

/** Chunks and stores content. Returns the content ids and the size. */
async function storeChunks(writer: BlobWriter, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, progress: ProgressTracker): Promise<{ content: string[]; size: number }> {
  const content: string[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    progress.bytesDone += chunk.length;
    content.push((await writer.save('data', chunk)).id);
    progress.report();
  }
  return { content, size };
}

/**
 * Chunks and stores a produced file; read again from its start when its stream says it must
 * be (a dump cut off with its connection). What the cut attempt stored stays unreferenced.
 */
async function storeExtra(repo: Repository, writer: BlobWriter, extra: ExtraFile, progress: ProgressTracker): Promise<{ content: string[]; size: number }> {
  for (;;) {
    try {
      return await storeChunks(writer, chunkStream(repo.chunker, extra.content()), progress);
    } catch (error) {
      if (!(error instanceof StreamRestartError)) throw error;
    }
  }
}

/** Reads, chunks and stores one file. Returns its content ids, or null when it could not be read. */
async function storeFile(
  repo: Repository,
  writer: BlobWriter,
  entry: SourceEntry,
  chunks: () => Promise<AsyncIterable<Buffer> | Iterable<Buffer>>,
  progress: ProgressTracker,
  warnings: Warning[],
): Promise<{ content: string[]; size: number } | null> {
  let content: string[];
  let size: number;
  try {
    ({ content, size } = await storeChunks(writer, await chunks(), progress));
  } catch (error) {
    if (error instanceof SourceFileError) {
      warnings.push({ path: error.path, message: error.message });
      return null;
    }
    throw error;
  }
  if (size !== entry.size) warnings.push({ path: entry.path, message: `changed while being read (listed ${entry.size} bytes, read ${size})` });
  return { content, size };
}

/**
 * One backup: list the source, compare with the parent snapshot (size and mtime), read only
 * new and changed files, store their chunks, then trees bottom-up, then the index, and last
 * the snapshot object. Until that last write, nothing is visible. A source folder that does
 * not exist or cannot be read fails the backup (the source throws SOURCE_NOT_FOUND or
 * SOURCE_UNREADABLE); an empty one gives a snapshot with a warning.
 */
export async function backup(base: Repository, source: Source, options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const progress = new ProgressTracker(options.onProgress);
  // Storage calls stop retrying once the job is cancelled (the lock is released in any case).
  const repo = base.withSignal(options.signal);
  const lock = await lockRepository(repo, 'backup', false);
  const writer = repo.newBlobWriter();
  try {
    progress.phase = 'reading the previous snapshot';
    progress.report(true);
    // The parent is the site's latest snapshot with files: a database-only one has none to compare with.
    const parent =
      options.parent !== undefined
        ? options.parent
        : ((await listSnapshots(repo)).filter((s) => isSiteSnapshot(s, options.site, repo.installation) && (options.skipFiles || s.kind !== 'database')).at(-1) ?? null);
    const previous = parent && !options.forceRead ? await loadFileMap(repo, parent.tree) : new Map<string, FileNode>();
    writer.adopt(await repo.unindexedPacks());

    progress.phase = 'listing files';
    progress.report(true);
    const listed = options.skipFiles ? { entries: [], warnings: [] } : await source.list();
    const warnings = [...(options.warnings ?? []), ...listed.warnings];
    // An empty folder is backed up (a new site can be empty), but never silently: the snapshot says so.
    if (!options.skipFiles && listed.entries.length === 0) warnings.push({ path: '/', message: `the folder ${source.description} is empty (or everything in it is excluded): this snapshot holds no files` });
    // Reserved whatever its case: on a disk that ignores case, `.SiteVault` would be the dump's folder.
    const reserved = listed.entries.filter((e) => isReservedPath(e.path));
    for (const top of reserved.filter((e) => !e.path.includes('/')))
      warnings.push({ path: top.path, message: `skipped: the name ${RESERVED_DIR} is reserved (in any case) for what SiteVault adds to a snapshot` });
    const entries = screenEntries(
      listed.entries.filter((e) => !reserved.includes(e)),
      warnings,
    );
    checkCancelled(options.signal);

    const files = entries.filter((e) => e.type === 'file');
    const toRead = files.filter((e) => !unchanged(e, previous.get(e.path), writer));
    progress.filesTotal = files.length;
    progress.bytesTotal = toRead.reduce((sum, e) => sum + e.size, 0);
    progress.phase = 'backing up';

    const stats = { files_new: 0, files_changed: 0, files_unchanged: files.length - toRead.length, bytes_read: 0 };
    const fileNodes = new Map<string, FileNode>();
    for (const entry of files) {
      const prev = previous.get(entry.path);
      if (unchanged(entry, prev, writer)) {
        fileNodes.set(entry.path, { name: baseName(entry.path), type: 'file', mode: entry.mode, mtime: entry.mtime, size: entry.size, content: prev.content });
        progress.filesDone++;
      }
    }

    const record = (entry: SourceEntry, stored: { content: string[]; size: number } | null) => {
      progress.filesDone++;
      progress.report();
      if (!stored) return;
      stats.bytes_read += stored.size;
      if (previous.has(entry.path)) stats.files_changed++;
      else stats.files_new++;
      fileNodes.set(entry.path, { name: baseName(entry.path), type: 'file', mode: entry.mode, mtime: entry.mtime, size: stored.size, content: stored.content });
    };
    if (source.fetchMany) {
      // One transfer for all changed files (a tar stream over SSH). Small files are taken off
      // the stream whole and stored concurrently (bounded in count and bytes), so the stream
      // keeps flowing while earlier files are compressed and encrypted; large ones stream.
      const storing = new BoundedQueue({ maxTasks: MAX_FILES_IN_FLIGHT, maxBytes: MAX_BYTES_IN_FLIGHT });
      await source.fetchMany(
        toRead,
        async (entry, content) => {
          checkCancelled(options.signal);
          if (storing.failure) throw storing.failure;
          progress.currentPath = entry.path;
          if (entry.size > WHOLE_FILE_LIMIT) {
            record(entry, await storeFile(repo, writer, entry, async () => chunkStream(repo.chunker, content), progress, warnings));
            return;
          }
          // Listed as small, but the stream decides how much comes (a file that grew since the
          // listing, or a server that lies): past the limit, the rest is streamed, not held.
          const parts: Buffer[] = [];
          let held = 0;
          const pieces = content[Symbol.asyncIterator]();
          try {
            for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
              parts.push(next.value);
              held += next.value.length;
              if (held > WHOLE_FILE_LIMIT) {
                const rest = (async function* () {
                  yield* parts.splice(0);
                  for (let more = await pieces.next(); !more.done; more = await pieces.next()) yield more.value;
                })();
                record(entry, await storeFile(repo, writer, entry, async () => chunkStream(repo.chunker, rest), progress, warnings));
                return;
              }
            }
          } catch (error) {
            // A file the source gave up midway (it changed while a lost connection was made again).
            if (!(error instanceof SourceFileError)) throw error;
            warnings.push({ path: error.path, message: error.message });
            record(entry, null);
            return;
          }
          const data = Buffer.concat(parts);
          await storing.add(async () => record(entry, await storeFile(repo, writer, entry, async () => chunkBuffer(repo.chunker, data), progress, warnings)), data.length);
        },
        (warning) => warnings.push(warning),
      );
      await storing.drain();
    } else {
      // A fixed number of files in flight: memory does not grow with the file count.
      await mapLimit(toRead, options.fileConcurrency ?? 8, async (entry) => {
        checkCancelled(options.signal);
        progress.currentPath = entry.path;
        const chunks = async () => (source.readWhole && entry.size <= WHOLE_FILE_LIMIT ? chunkBuffer(repo.chunker, await source.readWhole(entry)) : chunkStream(repo.chunker, source.read(entry)));
        record(entry, await storeFile(repo, writer, entry, chunks, progress, warnings));
      });
    }

    const extraEntries: SourceEntry[] = [];
    const missing: BackupResult['missing'] = [];
    const tags = [...(options.tags ?? [])];
    if (options.extraFiles && options.extraFiles.length > 0) {
      progress.phase = 'storing the database dump';
      const now = (options.time ?? new Date()).getTime();
      extraEntries.push({ path: RESERVED_DIR, type: 'dir', mode: 0o700, mtime: now, size: 0 });
      for (const extra of options.extraFiles) {
        checkCancelled(options.signal);
        let stored: { content: string[]; size: number };
        try {
          stored = await storeExtra(repo, writer, extra, progress);
        } catch (error) {
          checkCancelled(options.signal);
          const warning = extra.optional?.warning(error) ?? null;
          if (!extra.optional || warning === null) throw error;
          // What the failed attempt stored stays unreferenced (the next prune removes it).
          missing.push({ path: extra.path, error });
          warnings.push({ path: extra.path, message: warning });
          if (!tags.includes(extra.optional.tag)) tags.push(extra.optional.tag);
          continue;
        }
        const { content, size } = stored;
        stats.bytes_read += size;
        fileNodes.set(extra.path, { name: baseName(extra.path), type: 'file', mode: extra.mode, mtime: now, size, content });
      }
      if (missing.length === options.extraFiles.length) extraEntries.length = 0;
    }
    checkCancelled(options.signal);

    progress.phase = 'writing trees';
    progress.report(true);
    const rootTree = await writeTrees(writer, [...entries, ...extraEntries], fileNodes);
    await writer.flush();

    let totalBytes = 0;
    for (const node of fileNodes.values()) totalBytes += node.size;
    const snapshot: Snapshot = snapshotSchema.parse({
      version: 1,
      time: (options.time ?? new Date()).toISOString(),
      site: options.site,
      hostname: hostname(),
      installation: repo.installation,
      tags,
      // A snapshot whose dump could not be made holds the files alone.
      kind: missing.length > 0 && options.kind === 'both' ? 'files' : (options.kind ?? 'files'),
      parent: parent?.id ?? null,
      tree: rootTree,
      source: source.description,
      stats: {
        files: fileNodes.size,
        dirs: entries.filter((e) => e.type === 'dir').length + extraEntries.length,
        bytes: totalBytes,
        ...stats,
        bytes_added: 0,
        duration_s: 0,
      },
      warnings,
      original: null,
    });
    snapshot.stats.bytes_added = writer.stats.bytesStored;
    snapshot.stats.duration_s = Math.round((Date.now() - started) / 10) / 100;
    checkCancelled(options.signal);
    const { id, size } = await repo.saveJson('snapshots', snapshot);
    snapshot.stats.bytes_added += size;
    progress.phase = 'done';
    progress.report(true);
    return { id, snapshot, packs: writer.written.map((p) => p.id), missing };
  } catch (error) {
    await writer.abandon();
    checkCancelled(options.signal);
    throw error;
  } finally {
    await lock.release();
  }
}

/** Builds and stores the tree objects, deepest folders first. Returns the root tree's id. */
export async function writeTrees(writer: BlobWriter, entries: readonly SourceEntry[], fileNodes: ReadonlyMap<string, FileNode>): Promise<string> {
  const children = new Map<string, TreeNode[]>([['', []]]);
  const dirs = entries.filter((e) => e.type === 'dir');
  for (const dir of dirs) children.set(dir.path, []);
  for (const entry of entries) {
    if (entry.type === 'symlink') {
      children.get(parentPath(entry.path))?.push({ name: baseName(entry.path), type: 'symlink', mode: entry.mode, mtime: entry.mtime, target: entry.target ?? '' });
    }
  }
  for (const [path, node] of fileNodes) children.get(parentPath(path))?.push(node);
  const depth = (path: string) => path.split('/').length;
  for (const dir of [...dirs].sort((a, b) => depth(b.path) - depth(a.path))) {
    const subtree = await writer.saveTree(children.get(dir.path) ?? []);
    children.get(parentPath(dir.path))?.push({ name: baseName(dir.path), type: 'dir', mode: dir.mode, mtime: dir.mtime, subtree });
  }
  return writer.saveTree(children.get('') ?? []);
}
