import { constants } from 'node:fs';
import { lstat, mkdir, open, rm, symlink, unlink, chmod, utimes, lutimes } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ApiError } from '../contract/errors';
import { Semaphore } from '../backends/wrappers';
import { openBlob, packName } from './pack';
import { ProgressTracker, type ProgressListener } from './progress';
import type { Repository } from './repository';
import type { SnapshotWithId } from './snapshots';
import { collectSelection } from './tree-walk';
import type { FileNode } from './tree';

export interface RestoreOptions {
  /** Restore only these snapshot paths (files or folders); all when empty. */
  paths?: string[];
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
}

interface PlannedFile {
  path: string;
  node: FileNode;
}

/** Creates a folder inside the target; a symlink in the way is replaced, never followed. */
async function ensureRealDir(path: string): Promise<void> {
  try {
    const info = await lstat(path);
    if (info.isDirectory()) return;
    await rm(path, { force: true, recursive: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path, { mode: 0o700 });
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

async function openForWrite(path: string) {
  try {
    return await open(path, WRITE_FLAGS, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EISDIR') throw error;
    await rm(path, { recursive: true, force: true });
    return open(path, WRITE_FLAGS, 0o600);
  }
}

/**
 * Restores a snapshot (or some of its paths) into a local folder. Every name is checked to
 * be a single clean segment before use, folders are created as real folders, files are
 * opened with O_NOFOLLOW, and symlinks are created last, so nothing is ever written
 * outside the target. Blobs are read pack by pack, so each pack is fetched once.
 */
export async function restoreToFolder(repo: Repository, snapshot: SnapshotWithId, target: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const root = resolve(target);
  const progress = new ProgressTracker(options.onProgress);
  const result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, failed: [] };

  const selection = await collectSelection(repo, snapshot.tree, options.paths ?? []);
  const nodes = selection.nodes;
  result.failed.push(...selection.failed);

  const full = (path: string) => {
    const p = join(root, ...path.split('/'));
    if (p !== root && !p.startsWith(root + sep)) throw new ApiError('BAD_REQUEST', `Refusing to write outside ${root}: ${path}`);
    return p;
  };

  progress.phase = 'creating folders';
  await mkdir(root, { recursive: true });
  const dirs = nodes.filter((n) => n.node.type === 'dir');
  for (const { path } of dirs) {
    await ensureRealDir(full(path));
    result.dirs++;
  }

  const files: PlannedFile[] = nodes.filter((n): n is PlannedFile => n.node.type === 'file');
  progress.filesTotal = files.length;
  progress.bytesTotal = files.reduce((sum, f) => sum + f.node.size, 0);
  progress.phase = 'restoring files';
  await writeFiles(repo, files, full, progress, result, options.signal);

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
    await chmod(p, node.mode & 0o7777);
    await utimes(p, node.mtime / 1000, node.mtime / 1000);
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
    if (file.node.content.length !== 1) await (await openForWrite(full(file.path))).close();
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
  const slots = new Semaphore(4);
  await Promise.all(
    [...byPack.entries()].map(([pack, pieces]) =>
      slots.run(async () => {
        if (signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
        pieces.sort((a, b) => repo.index.get(a.blob)!.offset - repo.index.get(b.blob)!.offset);
        const first = repo.index.get(pieces[0]!.blob)!;
        const last = repo.index.get(pieces.at(-1)!.blob)!;
        let span: Buffer | null = null;
        try {
          span = await repo.backend.read(packName(pack), { offset: first.offset, length: last.offset + last.length - first.offset });
        } catch (error) {
          for (const piece of pieces) markFailed(piece.file, `pack ${pack.slice(0, 12)} cannot be read: ${(error as Error).message}`);
          return;
        }
        for (const piece of pieces) {
          if (failedFiles.has(piece.file)) continue;
          const location = repo.index.get(piece.blob)!;
          try {
            const sealed = span.subarray(location.offset - first.offset, location.offset - first.offset + location.length);
            const plain = await openBlob(repo.keys, piece.blob, sealed, location.compression, location.rawLength, `pack ${pack.slice(0, 12)}`);
            const handle = piece.file.node.content.length === 1 ? await openForWrite(full(piece.file.path)) : await open(full(piece.file.path), constants.O_WRONLY | constants.O_NOFOLLOW);
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
      }),
    ),
  );
  for (const file of failedFiles) await unlink(full(file.path)).catch(() => {});
}
