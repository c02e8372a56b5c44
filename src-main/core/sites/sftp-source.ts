import { posix } from 'node:path';
import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { call, readFileWindows } from '../backends/sftp-io';
import { Semaphore } from '../concurrency/semaphore';
import { ApiError } from '../contract/errors';
import { sourceNotAFolder, sourceNotFound, sourceUnreadable } from '../engine/errors';
import { ConnectionLostError, SourceFileError, type Source, type SourceEntry, type Warning } from '../engine/source';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const LIST_IN_FLIGHT = 16;
/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/**
 * A site reached over SFTP without a shell (chrooted shared hosting): many directory reads
 * in flight at once, and each file read with pipelined requests. Several files are read at
 * once by the backup's worker pool.
 */
export class SftpSource implements Source {
  #lost = false;
  /** Requests in flight, told when the connection goes away: they then may never be answered. */
  readonly #onLost = new Set<() => void>();

  constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    private readonly root: string,
    readonly description: string,
    private readonly exclude: (path: string, isDir: boolean) => boolean = () => false,
  ) {
    const lost = () => {
      this.#lost = true;
      for (const tell of this.#onLost) tell();
      this.#onLost.clear();
    };
    client.once('close', lost);
    sftp.once('close', lost);
  }

  #lostError(doing: string): ConnectionLostError {
    return new ConnectionLostError(doing);
  }

  /**
   * An SFTP request, or the connection's loss, whichever comes first. (Not Promise.race with
   * one long-lived promise: each race would stay attached to it, and with it every 4 MiB
   * window read, until the connection closed.)
   */
  #guard<T>(request: Promise<T>): Promise<T> {
    if (this.#lost) return Promise.reject(this.#lostError('talking to the server'));
    return new Promise<T>((resolve, reject) => {
      const onLost = () => reject(this.#lostError('talking to the server'));
      this.#onLost.add(onLost);
      request.then(resolve, reject).finally(() => this.#onLost.delete(onLost));
    });
  }

  static async open(client: Client, root: string, description: string, exclude?: (path: string, isDir: boolean) => boolean): Promise<SftpSource> {
    const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
    return new SftpSource(client, sftp, root, description, exclude);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const entries: SourceEntry[] = [];
    const warnings: Warning[] = [];
    try {
      await this.#guard(call<FileEntryWithStats[]>((cb) => this.sftp.readdir(this.root, cb)));
    } catch (error) {
      if (this.#lost) throw this.#lostError('listing its files');
      throw await this.#rootError(error);
    }
    // Folders are read a bounded number at once, each one's subfolders queued as it is read.
    const reads = new Semaphore(LIST_IN_FLIGHT);
    const visit = async (dir: string): Promise<void> => {
      const subdirs = await reads.run(() => this.#listDir(dir, entries, warnings));
      await Promise.all(subdirs.map(visit));
    };
    await visit('');
    // A folder that could not be listed because the connection went away is not a warning: the listing is incomplete.
    if (this.#lost) throw this.#lostError('listing its files');
    return { entries, warnings };
  }

  /** Why the root folder could not be listed, by the SFTP status code (the server's words vary). */
  async #rootError(error: unknown): Promise<ApiError> {
    const status = (error as { code?: unknown }).code;
    if (status === SFTP_PERMISSION_DENIED) return sourceUnreadable(this.root, this.description, 'permission denied');
    // OpenSSH answers "no such file" for a file opened as a folder too.
    const stats = await this.#guard(call<Stats>((cb) => this.sftp.stat(this.root, cb))).catch(() => null);
    if (stats && !stats.isDirectory()) return sourceNotAFolder(this.root, this.description);
    if (status === SFTP_NO_SUCH_FILE) return sourceNotFound(this.root, this.description);
    return sourceUnreadable(this.root, this.description, (error as Error).message);
  }

  /** Lists one folder into `entries` and `warnings`; returns its subfolders. */
  async #listDir(dir: string, entries: SourceEntry[], warnings: Warning[]): Promise<string[]> {
    const subdirs: string[] = [];
    let list: FileEntryWithStats[];
    try {
      list = await this.#guard(call<FileEntryWithStats[]>((cb) => this.sftp.readdir(posix.join(this.root, dir), cb)));
    } catch (error) {
      if (this.#lost) return subdirs;
      warnings.push({ path: dir || '/', message: `cannot list folder: ${(error as Error).message}` });
      return subdirs;
    }
    for (const item of list) {
      if (item.filename === '.' || item.filename === '..') continue;
      const path = dir ? `${dir}/${item.filename}` : item.filename;
      const kind = item.attrs.mode & S_IFMT;
      const common = { path, mode: item.attrs.mode & 0o7777, mtime: item.attrs.mtime * 1000 };
      if (kind === S_IFDIR) {
        if (this.exclude(path, true)) continue;
        entries.push({ ...common, type: 'dir', size: 0 });
        subdirs.push(path);
      } else if (this.exclude(path, false)) {
        continue;
      } else if (kind === S_IFREG) {
        entries.push({ ...common, type: 'file', size: item.attrs.size });
      } else if (kind === S_IFLNK) {
        try {
          const target = await this.#guard(call<string>((cb) => this.sftp.readlink(posix.join(this.root, path), cb)));
          entries.push({ ...common, type: 'symlink', size: 0, target });
        } catch (error) {
          warnings.push({ path, message: `cannot read link: ${(error as Error).message}` });
        }
      } else {
        warnings.push({ path, message: 'skipped: not a regular file, folder or symlink' });
      }
    }
    return subdirs;
  }

  read(entry: SourceEntry): AsyncIterable<Buffer> {
    return this.#read(entry, null);
  }

  /** The rest of a file after a cut, if it still has the size and time it was listed with. */
  readFrom(entry: SourceEntry, offset: number): AsyncIterable<Buffer> {
    return this.#read(entry, {
      offset,
      check: (stats) => {
        if (stats.size !== entry.size || stats.mtime * 1000 !== entry.mtime) {
          throw new SourceFileError(entry.path, 'changed while being read (it was different when read again after the connection was lost)');
        }
      },
    });
  }

  async *#read(entry: SourceEntry, from: Parameters<typeof readFileWindows>[3]): AsyncIterable<Buffer> {
    const windows = readFileWindows(this.sftp, posix.join(this.root, entry.path), undefined, from);
    try {
      for (;;) {
        const { value, done } = await this.#guard(windows.next());
        if (done) return;
        yield value;
      }
    } catch (error) {
      if (this.#lost) throw this.#lostError(`reading ${entry.path}`);
      if (error instanceof SourceFileError) throw error;
      const code = (error as { code?: number }).code;
      throw new SourceFileError(entry.path, code === 2 ? 'vanished during the backup' : `cannot be read: ${(error as Error).message}`);
    } finally {
      void windows.return(undefined).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.client.end();
  }
}
