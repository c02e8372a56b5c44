import { randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { lstat, mkdir, open, rm, symlink, unlink, lutimes, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ApiError } from '../contract/errors';
import { mapLimit } from '../concurrency/map-limit';
import { dropCaseCollisions } from './name-case';
import { openBlob, packName } from './pack';
import { ProgressTracker, type ProgressListener } from './progress';
import type { Repository } from './repository';
import type { SnapshotWithId } from './snapshots';
import { collectSelection } from './tree-walk';
import type { DirNode, FileNode } from './tree';

export interface RestoreOptions {
  /** Restore only these snapshot paths (files or folders); all when empty. */
  paths?: string[];
  /** Whether the target compares names without case (default: probed). */
  targetIgnoresCase?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Files that could not be restored (damaged data), with why. The rest was restored. */
  failed: Array<{ path: string; message: string }>;
  /** Entries left out on purpose (a name that differs only in case from another one), with why. */
  warnings: Array<{ path: string; message: string }>;
}

interface PlannedFile {
  path: string;
  node: FileNode;
}

/**
 * The file or folder the restore made at each full path (device and inode): modes and times
 * go to that entry only, never to whatever a link put in its place reaches.
 */
type Identities = Map<string, string>;
const identityOf = (info: BigIntStats) => `${info.dev}:${info.ino}`;

/** Creates a folder inside the target; a symlink in the way is replaced, never followed. */
async function ensureRealDir(path: string, identities: Identities): Promise<void> {
  try {
    const info = await lstat(path, { bigint: true });
    if (info.isDirectory()) {
      identities.set(path, identityOf(info));
      return;
    }
    await rm(path, { force: true, recursive: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path, { mode: 0o700 });
  identities.set(path, identityOf(await lstat(path, { bigint: true })));
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

async function openForWrite(path: string, identities: Identities): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, WRITE_FLAGS, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EISDIR') throw error;
    await rm(path, { recursive: true, force: true });
    handle = await open(path, WRITE_FLAGS, 0o600);
  }
  identities.set(path, identityOf(await handle.stat({ bigint: true })));
  return handle;
}

// O_NONBLOCK: whatever a link may lead to (a FIFO), opening it never waits.
const METADATA_FLAGS = {
  dir: constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  file: constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
};

/**
 * Sets a restored entry's mode and mtime through a descriptor opened without following a link
 * (fchmod, futimes: Linux has no lchmod), and only while it is still the entry the restore
 * made: a link put in its place, or in place of a folder above it, is never followed.
 * Returns why nothing was set, or null.
 */
async function setModeAndTime(path: string, node: FileNode | DirNode, identity: string | undefined): Promise<string | null> {
  const seconds = node.mtime / 1000;
  // Windows opens no folder as a file, and its folders have no mode to set.
  if (process.platform === 'win32' && node.type === 'dir') {
    await lutimes(path, seconds, seconds);
    return null;
  }
  let handle: FileHandle;
  try {
    handle = await open(path, METADATA_FLAGS[node.type]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK' || code === 'ENOTDIR') return 'mode and time not set: a symbolic link or another entry took its place during the restore';
    return `mode and time not set: ${(error as Error).message}`;
  }
  try {
    if (identity !== identityOf(await handle.stat({ bigint: true }))) return 'mode and time not set: it is no longer the entry this restore wrote (it was replaced during the restore)';
    await handle.chmod(node.mode & 0o7777);
    await handle.utimes(seconds, seconds);
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Restores a snapshot (or some of its paths) into a local folder. Every name is checked to
 * be a single clean segment before use, names that differ only in case are written once (a
 * warning names the others), folders are created as real folders, files are opened with
 * O_NOFOLLOW, symlinks are created last, and modes and times are set through descriptors of
 * the entries the restore made, so nothing is ever written outside the target, on a disk
 * that ignores case too. Blobs are read pack by pack, so each pack is fetched once.
 */
/**
 * Whether names in this folder are compared without case (macOS, Windows, some Linux mounts):
 * a probe file's name in upper case is looked up. SITEVAULT_TARGET_IGNORES_CASE=1 says yes
 * without looking (to exercise that path on a case-sensitive disk).
 */
export async function folderIgnoresCase(folder: string): Promise<boolean> {
  if (process.env['SITEVAULT_TARGET_IGNORES_CASE'] === '1') return true;
  const probe = join(folder, `.sitevault-case-${randomBytes(6).toString('hex')}`);
  const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  await handle.close();
  try {
    return await lstat(join(folder, `.SITEVAULT-CASE-${probe.slice(-12).toUpperCase()}`)).then(
      () => true,
      () => false,
    );
  } finally {
    await unlink(probe).catch(() => {});
  }
}

export async function restoreToFolder(repo: Repository, snapshot: SnapshotWithId, target: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const root = resolve(target);
  const progress = new ProgressTracker(options.onProgress);
  const result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, failed: [], warnings: [] };
  const identities: Identities = new Map();
  // Storage calls stop retrying once the job is cancelled.
  repo = repo.withSignal(options.signal);

  const selection = await collectSelection(repo, snapshot.tree, options.paths ?? []);
  result.failed.push(...selection.failed);
  await mkdir(root, { recursive: true });
  const ignoresCase = options.targetIgnoresCase ?? (await folderIgnoresCase(root));
  const { kept: nodes, dropped } = ignoresCase ? dropCaseCollisions(selection.nodes) : { kept: selection.nodes, dropped: [] };
  for (const { path, keptPath } of dropped) {
    result.warnings.push({
      path,
      message: `not written: its name differs only in case from ${keptPath}, and a disk that ignores case (macOS, Windows) cannot hold both; restore it alone into another folder to get it`,
    });
  }

  const full = (path: string) => {
    const p = join(root, ...path.split('/'));
    if (p !== root && !p.startsWith(root + sep)) throw new ApiError('BAD_REQUEST', `Refusing to write outside ${root}: ${path}`);
    return p;
  };

  progress.phase = 'creating folders';
  await mkdir(root, { recursive: true });
  const dirs = nodes.filter((n) => n.node.type === 'dir');
  for (const { path } of dirs) {
    await ensureRealDir(full(path), identities);
    result.dirs++;
  }

  const files: PlannedFile[] = nodes.filter((n): n is PlannedFile => n.node.type === 'file');
  progress.filesTotal = files.length;
  progress.bytesTotal = files.reduce((sum, f) => sum + f.node.size, 0);
  progress.phase = 'restoring files';
  await writeFiles(repo, files, full, identities, progress, result, options.signal);

  progress.phase = 'creating symlinks';
  for (const { path, node } of nodes) {
    if (node.type !== 'symlink') continue;
    if (node.target === '') {
      result.failed.push({ path, message: 'not written: the snapshot holds this symlink without a target' });
      continue;
    }
    const p = full(path);
    try {
      await rm(p, { force: true, recursive: true });
      await symlink(node.target, p);
    } catch (error) {
      result.failed.push({ path, message: `symlink not created: ${(error as Error).message}` });
      continue;
    }
    await lutimes(p, node.mtime / 1000, node.mtime / 1000).catch(() => {});
    result.symlinks++;
  }

  progress.phase = 'setting modes and times';
  const failedPaths = new Set(result.failed.map((f) => f.path));
  for (const { path, node, implied } of [...nodes].reverse()) {
    if (node.type === 'symlink' || implied || failedPaths.has(path)) continue;
    const p = full(path);
    const problem = await setModeAndTime(p, node, identities.get(p));
    if (problem) result.failed.push({ path, message: problem });
  }
  progress.phase = 'done';
  progress.report(true);
  return result;
}

interface Piece {
  file: PlannedFile;
  position: number;
  blob: string;
}

async function writeFiles(
  repo: Repository,
  files: PlannedFile[],
  full: (path: string) => string,
  identities: Identities,
  progress: ProgressTracker,
  result: RestoreResult,
  signal: AbortSignal | undefined,
): Promise<void> {
  // Create every file (empty ones are done here), then fill them pack by pack.
  const byPack = new Map<string, Piece[]>();
  const remaining = new Map<PlannedFile, number>();
  for (const file of files) {
    // Files of several blobs are created first and filled at offsets; a one-blob file is
    // written whole, in one call, when its blob arrives.
    if (file.node.content.length !== 1) await (await openForWrite(full(file.path), identities)).close();
    let position = 0;
    remaining.set(file, file.node.content.length);
    if (file.node.content.length === 0) {
      result.files++;
      progress.filesDone++;
    }
    for (const blob of file.node.content) {
      const location = repo.index.get(blob);
      if (!location) {
        result.failed.push({ path: file.path, message: `blob ${blob.slice(0, 12)} is missing from the index` });
        remaining.delete(file);
        break;
      }
      const list = byPack.get(location.pack) ?? [];
      list.push({ file, position, blob });
      byPack.set(location.pack, list);
      position += location.rawLength;
    }
  }

  const failedFiles = new Set<PlannedFile>();
  const markFailed = (file: PlannedFile, message: string) => {
    if (failedFiles.has(file)) return;
    failedFiles.add(file);
    remaining.delete(file);
    result.failed.push({ path: file.path, message });
  };
  await mapLimit(byPack.entries(), 4, async ([pack, pieces]) => {
    if (signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
    pieces.sort((a, b) => repo.index.get(a.blob)!.offset - repo.index.get(b.blob)!.offset);
    const first = repo.index.get(pieces[0]!.blob)!;
    const last = repo.index.get(pieces.at(-1)!.blob)!;
    let span: Buffer;
    try {
      span = await repo.backend.read(packName(pack), { offset: first.offset, length: last.offset + last.length - first.offset });
    } catch (error) {
      if (signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
      for (const piece of pieces) markFailed(piece.file, `pack ${pack.slice(0, 12)} cannot be read: ${(error as Error).message}`);
      return;
    }
    for (const piece of pieces) {
      if (failedFiles.has(piece.file)) continue;
      const location = repo.index.get(piece.blob)!;
      try {
        const sealed = span.subarray(location.offset - first.offset, location.offset - first.offset + location.length);
        const plain = await openBlob(repo.keys, piece.blob, sealed, location.compression, location.rawLength, `pack ${pack.slice(0, 12)}`);
        const handle = piece.file.node.content.length === 1 ? await openForWrite(full(piece.file.path), identities) : await open(full(piece.file.path), constants.O_WRONLY | constants.O_NOFOLLOW);
        try {
          await handle.write(plain, 0, plain.length, piece.position);
        } finally {
          await handle.close();
        }
        progress.bytesDone += plain.length;
        result.bytes += plain.length;
        const left = (remaining.get(piece.file) ?? 1) - 1;
        remaining.set(piece.file, left);
        if (left === 0) {
          result.files++;
          progress.filesDone++;
        }
        progress.report();
      } catch (error) {
        markFailed(piece.file, (error as Error).message);
      }
    }
  });
  for (const file of failedFiles) await unlink(full(file.path)).catch(() => {});
}
