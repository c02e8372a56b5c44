import { constants, type ReadStream } from 'node:fs';
import { lstat, mkdtemp, open, readlink, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../contract/errors';
import { DATABASE_DUMP_PATH, RESERVED_DIR } from '../engine/backup';
import { blobId } from '../engine/crypto';
import { restorableMode } from '../engine/modes';
import { ProgressTracker, type ProgressListener } from '../engine/progress';
import type { Repository } from '../engine/repository';
import { restoreToFolder } from '../engine/restore';
import type { SnapshotWithId } from '../engine/snapshots';
import type { FileNode } from '../engine/tree';
import { walkTree } from '../engine/tree-walk';

export interface TestRestoreResult {
  files: number;
  bytes: number;
  /** Each file that did not come back as the snapshot holds it, with what differs. Empty: all good. */
  problems: string[];
  database: { imported: boolean; tables: number; message: string } | null;
}

export interface TestRestoreOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Imports the snapshot's dump into a scratch database (the site's server), when one is configured. */
  importDump?: (folder: string) => Promise<{ tables: number }>;
}

const MAX_PROBLEMS = 200;

/**
 * Restores a snapshot into a temporary folder, then reads every restored file back and checks
 * it against the snapshot without reading the repository again: the file is cut at the
 * snapshot's chunk lengths and each piece must hash to its blob id. Sizes, modes, mtimes
 * and link targets are compared too. The folder is removed afterwards.
 */
export async function testRestore(repo: Repository, snapshot: SnapshotWithId, options: TestRestoreOptions = {}): Promise<TestRestoreResult> {
  const folder = await mkdtemp(join(tmpdir(), 'sitevault-test-restore-'));
  try {
    const restored = await restoreToFolder(repo, snapshot, folder, { signal: options.signal, onProgress: options.onProgress });
    const problems = restored.failed.map((f) => `${f.path}: not restored: ${f.message}`);
    // Left out on purpose (a name that differs only in case from another): not compared.
    const leftOut = restored.warnings.map((w) => w.path);
    const isLeftOut = (path: string) => leftOut.some((p) => path === p || path.startsWith(`${p}/`));
    const progress = new ProgressTracker(options.onProgress);
    progress.phase = 'comparing with the snapshot';
    progress.filesTotal = restored.files;
    let files = 0;
    let bytes = 0;
    for await (const { path, node } of walkTree(repo, snapshot.tree)) {
      if (options.signal?.aborted) throw new Error('The test restore was cancelled.');
      if (problems.length >= MAX_PROBLEMS) break;
      if (isLeftOut(path)) continue;
      const local = join(folder, ...path.split('/'));
      const problem = await compareEntry(repo, node, local);
      if (problem) problems.push(`${path}: ${problem}`);
      if (node.type === 'file') {
        files++;
        bytes += node.size;
        progress.filesDone = files;
        progress.bytesDone = bytes;
        progress.report();
      }
    }
    let database: TestRestoreResult['database'] = null;
    if (options.importDump && snapshot.kind !== 'files') {
      try {
        const { tables } = await options.importDump(folder);
        database = { imported: true, tables, message: `imported into the scratch database: ${tables} tables` };
      } catch (error) {
        database = { imported: false, tables: 0, message: (error as Error).message };
        problems.push(`database: the dump did not import: ${(error as Error).message}`);
      }
    }
    return { files, bytes, problems, database };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function compareEntry(repo: Repository, node: Awaited<ReturnType<typeof repo.loadTree>>['nodes'][number], local: string): Promise<string | null> {
  let info;
  try {
    info = await lstat(local);
  } catch {
    return 'missing after the restore';
  }
  if (node.type === 'dir') return info.isDirectory() ? null : 'is not a folder';
  if (node.type === 'symlink') {
    if (!info.isSymbolicLink()) return 'is not a symbolic link';
    const target = await readlink(local);
    return target === node.target ? null : `links to ${target}, the snapshot says ${node.target}`;
  }
  if (!info.isFile()) return 'is not a file';
  if (info.size !== node.size) return `${info.size} bytes, the snapshot says ${node.size}`;
  // setuid and setgid are never restored: the file is compared with what a restore gives back.
  if ((info.mode & 0o7777) !== restorableMode(node.mode)) return `mode ${(info.mode & 0o7777).toString(8)}, a restore of the snapshot gives ${restorableMode(node.mode).toString(8)}`;
  if (Math.floor(info.mtimeMs / 1000) !== Math.floor(node.mtime / 1000)) return 'modification time differs from the snapshot';
  return compareContent(repo, node, local);
}

async function compareContent(repo: Repository, node: FileNode, local: string): Promise<string | null> {
  const file = await open(local, 'r');
  try {
    let offset = 0;
    for (const [i, id] of node.content.entries()) {
      const location = repo.index.get(id);
      if (!location) return `chunk ${i + 1} is not in the repository's index`;
      const buffer = Buffer.alloc(location.rawLength);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      if (bytesRead !== buffer.length || blobId(repo.keys.id, buffer) !== id) return `content differs from the snapshot at byte ${offset}`;
      offset += bytesRead;
    }
    return offset === node.size ? null : `content ends at byte ${offset}, the snapshot says ${node.size}`;
  } finally {
    await file.close();
  }
}

/**
 * The database dump in a test restore's folder, opened without following any link: the
 * reserved folder must be a real folder and the dump a real file in it, so a link in the
 * snapshot (a `.SITEVAULT` on a disk that ignores case) can never make it read something else.
 */
export async function openRestoredDump(folder: string): Promise<ReadStream> {
  const unsafe = (what: string) =>
    new ApiError('UNSAFE_NAME', `The test restore's ${what} is not a real ${what === RESERVED_DIR ? 'folder' : 'file'} (a link or another entry is in its place); the dump is not imported.`);
  const dir = await lstat(join(folder, RESERVED_DIR)).catch(() => null);
  if (!dir) throw new ApiError('NOT_FOUND', `The test restore holds no ${DATABASE_DUMP_PATH}.`);
  if (!dir.isDirectory()) throw unsafe(RESERVED_DIR);
  let handle: FileHandle;
  try {
    handle = await open(join(folder, ...DATABASE_DUMP_PATH.split('/')), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ApiError('NOT_FOUND', `The test restore holds no ${DATABASE_DUMP_PATH}.`);
    if (code === 'ELOOP' || code === 'EMLINK') throw unsafe(DATABASE_DUMP_PATH);
    throw error;
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw unsafe(DATABASE_DUMP_PATH);
  }
  return handle.createReadStream();
}
