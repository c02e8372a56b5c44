import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { ApiError } from '../contract/errors';
import { call } from '../backends/sftp-io';
import { BoundedQueue } from '../concurrency/bounded-queue';
import { mapLimit } from '../concurrency/map-limit';
import { Semaphore } from '../concurrency/semaphore';
import type { ContentStream } from '../engine/content-stream';
import type { TreeNode } from '../engine/tree';
import type { PlannedWrite, RemoteItem } from './restore-plan';
import { PART_PREFIX, type SiteWriter, type WriterCapabilities, type WriteHooks } from './site-writer';

const WRITE_REQUEST = 256 * 1024;
const WRITES_IN_FLIGHT = 16;
/** Files up to this size are read whole and uploaded in parallel; bigger ones stream on their own. */
const WHOLE_FILE = 8 * 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/**
 * Writes to a site over SFTP (no shell): several files upload at once, each with pipelined
 * write requests, under a temporary name that is renamed into place when complete, so a
 * file on the site is always either the old one or the whole new one.
 */
export class SftpSiteWriter implements SiteWriter {
  readonly method = 'SFTP';
  readonly #posixRename: boolean;
  readonly #lsetstat: boolean;
  #inPlace: Promise<boolean> | null = null;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly root: string,
    private readonly parallel = 8,
  ) {
    const extensions = (sftp as unknown as { _extensions?: Record<string, string> })._extensions;
    this.#posixRename = Boolean(extensions?.['posix-rename@openssh.com']);
    this.#lsetstat = extensions?.['lsetstat@openssh.com'] === '1';
  }

  /**
   * SFTP's chmod and utimes follow a symlink; lsetstat@openssh.com (OpenSSH 8.0 and later) does
   * not. It is tried on the site's root with the mode it has: a server without /proc (a chroot)
   * cannot change a mode without following, and says so.
   */
  #canSetInPlace(): Promise<boolean> {
    this.#inPlace ??= (async () => {
      if (!this.#lsetstat) return false;
      const stats = await call<Stats>((cb) => this.sftp.lstat(this.root, cb)).catch(() => null);
      if (!stats?.isDirectory()) return false;
      return call<void>((cb) => this.sftp.ext_openssh_lsetstat(this.root, { mode: stats.mode & 0o7777 }, (err) => cb(err, undefined))).then(
        () => true,
        () => false,
      );
    })();
    return this.#inPlace;
  }

  async capabilities(): Promise<WriterCapabilities> {
    if (await this.#canSetInPlace()) return { setsMetadataInPlace: true, caveats: [] };
    return {
      setsMetadataInPlace: false,
      caveats: [
        'This SFTP server cannot set a mode or time without following a symlink (it lacks lsetstat@openssh.com, or cannot use it here): files whose mode or time differ are uploaded again, folders already on the site keep their modes and times, and a new folder gets its mode only right after it is made (not its time).',
      ],
    };
  }

  #full(path: string): string {
    return posix.join(this.root, path);
  }

  async #removeTree(full: string): Promise<void> {
    const entries = await call<FileEntryWithStats[]>((cb) => this.sftp.readdir(full, cb));
    await Promise.all(
      entries
        .filter((e) => e.filename !== '.' && e.filename !== '..')
        .map((e) => {
          const child = posix.join(full, e.filename);
          return (e.attrs.mode & S_IFMT) === S_IFDIR ? this.#removeTree(child) : call<void>((cb) => this.sftp.unlink(child, (err) => cb(err, undefined)));
        }),
    );
    await call<void>((cb) => this.sftp.rmdir(full, (err) => cb(err, undefined)));
  }

  async remove(items: readonly RemoteItem[]): Promise<void> {
    await mapLimit(items, this.parallel, async (item) => {
      const full = this.#full(item.path);
      // lstat: a symlink to a folder is removed as a link, never entered.
      const stats = await call<Stats>((cb) => this.sftp.lstat(full, cb)).catch(() => null);
      if (!stats) return;
      if (stats.isDirectory()) await this.#removeTree(full);
      else await call<void>((cb) => this.sftp.unlink(full, (err) => cb(err, undefined)));
    });
  }

  /** Whether this call created the folder (false: a real folder was there already). */
  async #mkdir(path: string, mode: number): Promise<boolean> {
    const full = this.#full(path);
    try {
      await call<void>((cb) => this.sftp.mkdir(full, { mode }, (err) => cb(err, undefined)));
      return true;
    } catch (error) {
      const stats = await call<Stats>((cb) => this.sftp.lstat(full, cb)).catch(() => null);
      if (!stats?.isDirectory()) throw error;
      return false;
    }
  }

  async makeDirs(paths: readonly string[]): Promise<void> {
    for (const path of paths) await this.#mkdir(path, 0o755);
  }

  async #writeAll(handle: Buffer, source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
    let position = 0;
    const requests = new BoundedQueue({ maxTasks: WRITES_IN_FLIGHT });
    try {
      for await (const piece of source) {
        for (let at = 0; at < piece.length; at += WRITE_REQUEST) {
          const part = piece.subarray(at, at + WRITE_REQUEST);
          const offset = position;
          position += part.length;
          await requests.add(() => call<void>((cb) => this.sftp.write(handle, part, 0, part.length, offset, (err) => cb(err, undefined))));
        }
      }
    } finally {
      // The caller closes the handle next: no write may still be on its way.
      await requests.settle();
    }
    await requests.drain();
    return position;
  }

  async #upload(path: string, source: AsyncIterable<Buffer> | Iterable<Buffer>, mode: number, mtime: number, size: number): Promise<void> {
    const final = this.#full(path);
    const temp = posix.join(posix.dirname(final), `${PART_PREFIX}${randomBytes(6).toString('hex')}`);
    const handle = await call<Buffer>((cb) => this.sftp.open(temp, 'w', { mode: 0o600 }, cb));
    let written: number;
    try {
      written = await this.#writeAll(handle, source);
      // On the handle of the file just written: a name swapped for a symlink meanwhile is not followed.
      const seconds = Math.floor(mtime / 1000);
      await call<void>((cb) => this.sftp.fchmod(handle, mode & 0o7777, (err) => cb(err, undefined)));
      await call<void>((cb) => this.sftp.futimes(handle, seconds, seconds, (err) => cb(err, undefined)));
    } catch (error) {
      await call<void>((cb) => this.sftp.close(handle, (err) => cb(err, undefined))).catch(() => {});
      await call<void>((cb) => this.sftp.unlink(temp, (err) => cb(err, undefined))).catch(() => {});
      throw error;
    }
    await call<void>((cb) => this.sftp.close(handle, (err) => cb(err, undefined)));
    if (written !== size) {
      await call<void>((cb) => this.sftp.unlink(temp, (err) => cb(err, undefined))).catch(() => {});
      throw new ApiError('INTERNAL', `the repository holds ${written} bytes where the snapshot says ${size}`);
    }
    if (this.#posixRename) await call<void>((cb) => this.sftp.ext_openssh_rename(temp, final, (err) => cb(err, undefined)));
    else {
      await call<void>((cb) => this.sftp.unlink(final, (err) => cb(err, undefined))).catch(() => {});
      await call<void>((cb) => this.sftp.rename(temp, final, (err) => cb(err, undefined)));
    }
  }

  /** Mode and time by path without following a symlink in its last part (lsetstat); only where the server can. */
  async #setMeta(path: string, node: TreeNode): Promise<void> {
    const seconds = Math.floor(node.mtime / 1000);
    await call<void>((cb) => this.sftp.ext_openssh_lsetstat(this.#full(path), { mode: node.mode & 0o7777, atime: seconds, mtime: seconds }, (err) => cb(err, undefined)));
  }

  async write(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<void> {
    const slots = new Semaphore(this.parallel);
    const uploads: Promise<void>[] = [];
    const failed = (path: string) => (error: unknown) => hooks.onFailed(path, (error as Error).message);
    const notMade = new Set<string>();
    for (const { path, node, reason } of writes) {
      if (hooks.signal?.aborted) break;
      if (node.type === 'dir') {
        // New folders are created now (parents come first); their times are set at the end.
        if (reason === 'folder') {
          const inPlace = await this.#canSetInPlace();
          await this.#mkdir(path, 0o700 | node.mode)
            .then(async (created) => {
              // Without lsetstat, the mode goes on a folder only right after this session made it (the server's umask took bits off).
              if (created && !inPlace) await call<void>((cb) => this.sftp.setstat(this.#full(path), { mode: node.mode & 0o7777 }, (err) => cb(err, undefined)));
            })
            .catch((error: unknown) => {
              notMade.add(path);
              failed(path)(error);
            });
        }
      } else if (node.type === 'file') {
        if (node.size <= WHOLE_FILE) {
          const got = await content.whole(node);
          if ('error' in got) {
            hooks.onFailed(path, `cannot be read from the repository: ${got.error.message}`);
            continue;
          }
          const release = await slots.acquire();
          uploads.push(
            (async () => {
              try {
                await this.#upload(path, [got.data], node.mode, node.mtime, node.size);
                hooks.onWritten(path, node.size);
              } finally {
                release();
              }
            })().catch(failed(path)),
          );
        } else {
          await slots.run(() => this.#upload(path, content.file(node), node.mode, node.mtime, node.size)).then(() => hooks.onWritten(path, node.size), failed(path));
        }
      }
    }
    await Promise.all(uploads);
    if (hooks.signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
    for (const { path, node } of writes) {
      if (node.type !== 'symlink') continue;
      const full = this.#full(path);
      try {
        await call<void>((cb) => this.sftp.unlink(full, (err) => cb(err, undefined))).catch(() => {});
        await call<void>((cb) => this.sftp.symlink(node.target, full, (err) => cb(err, undefined)));
        hooks.onWritten(path, 0);
      } catch (error) {
        failed(path)(error);
      }
    }
    const dirs = writes.filter((w) => w.node.type === 'dir' && !notMade.has(w.path)).reverse();
    if (await this.#canSetInPlace()) {
      await mapLimit(dirs, this.parallel, ({ path, node }) => this.#setMeta(path, node).then(() => hooks.onWritten(path, 0), failed(path)));
    } else {
      // New ones got their mode as they were made; times are not set (see capabilities).
      for (const { path, reason } of dirs) if (reason === 'folder') hooks.onWritten(path, 0);
    }
  }

  async setMetadata(items: ReadonlyArray<{ path: string; node: TreeNode }>, hooks: Pick<WriteHooks, 'onFailed'>): Promise<void> {
    const wanted = items.filter((i) => i.node.type !== 'symlink');
    if (!(await this.#canSetInPlace())) {
      for (const { path } of wanted) hooks.onFailed(path, 'this SFTP server cannot set its mode and time without following a symlink');
      return;
    }
    await mapLimit(wanted, this.parallel * 2, ({ path, node }) => this.#setMeta(path, node).catch((error: unknown) => hooks.onFailed(path, `its mode and time could not be set: ${(error as Error).message}`)));
  }

  putFile(path: string, data: Buffer, mode: number, mtime: number): Promise<void> {
    return this.#upload(path, [data], mode, mtime, data.length);
  }
}
