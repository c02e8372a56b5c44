import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, FileType, FTPError, type FileInfo } from 'basic-ftp';
import { BackendError } from '../backends/backend';
import { classifyFtpError } from '../backends/ftp-backend';
import { backoff, mayRetry, retryTransient, type RetryOptions } from '../backends/wrappers';
import { SourceFileError, type Source, type SourceEntry, type Warning } from '../engine/source';

/** Opens a logged-in FTP(S) connection; the backup's pool holds up to the site's limit. */
export type FtpConnect = () => Promise<Client>;

/** FTP listings give minutes (or days) at best: times are rounded to whole seconds. */
function mtimeOf(info: FileInfo): number {
  return info.modifiedAt ? Math.floor(info.modifiedAt.getTime() / 1000) * 1000 : 0;
}

/** Up to `size` logged-in connections, shared by listing, reading and (for a restore) writing. */
export class FtpPool {
  readonly #idle: Client[] = [];
  readonly #waiting: Array<{ resolve: (client: Client) => void; reject: (error: unknown) => void }> = [];
  #open = 0;

  constructor(
    private readonly connect: FtpConnect,
    private readonly size: number,
  ) {}

  async acquire(): Promise<Client> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#open < this.size) {
      this.#open++;
      try {
        return await this.connect();
      } catch (error) {
        this.#open--;
        throw error;
      }
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Hands the connection back; one that failed below the FTP protocol (`broken`) is closed, not reused. */
  release(client: Client, broken = false): void {
    if (broken) client.close();
    const waiter = this.#waiting.shift();
    if (client.closed) {
      this.#open--;
      if (waiter) this.acquire().then(waiter.resolve, waiter.reject);
      return;
    }
    if (waiter) waiter.resolve(client);
    else this.#idle.push(client);
  }

  async with<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = !(error instanceof FTPError);
      throw error;
    } finally {
      this.release(client, broken);
    }
  }

  close(): void {
    for (const client of this.#idle) client.close();
    this.#idle.length = 0;
  }
}

/**
 * A site reached over FTP or explicit FTPS: MLSD where offered (basic-ftp picks it, with a
 * LIST fallback), and a pool of connections so several folders and files move at once.
 * A dropped connection is retried on a new one (a download resumes where it stopped); a
 * folder or file the server refuses is a warning. When the retries run out the backup
 * fails: a listing or file lost to the network never leaves a snapshot that looks complete.
 */
export class FtpSource implements Source {
  readonly pool: FtpPool;

  constructor(
    connect: FtpConnect,
    private readonly root: string,
    readonly description: string,
    poolSize: number,
    private readonly exclude: (path: string, isDir: boolean) => boolean = () => false,
    private readonly retry: RetryOptions = { maxRetries: 5 },
  ) {
    this.pool = new FtpPool(connect, poolSize);
  }

  /** One folder's listing, retried while the failure is the connection's. */
  #listFolder(dir: string): Promise<FileInfo[]> {
    const path = posix.join(this.root, dir);
    return retryTransient(`list ${path}`, () => this.pool.with((client) => client.list(path)).catch((error: unknown) => {
      throw classifyFtpError(error, this.description, dir || '/');
    }), this.retry);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const entries: SourceEntry[] = [];
    const warnings: Warning[] = [];
    await this.#listFolder('').catch((error: unknown) => {
      if (error instanceof BackendError && error.kind === 'transient') throw error;
      throw new SourceFileError('/', `Cannot list ${this.root} on the server: ${(error as Error).message}`);
    });
    const walk = async (dir: string): Promise<void> => {
      let list: FileInfo[];
      try {
        list = await this.#listFolder(dir);
      } catch (error) {
        if (error instanceof BackendError && error.kind === 'transient') throw error;
        warnings.push({ path: dir || '/', message: `cannot list folder: ${(error as Error).message}` });
        return;
      }
      const subdirs: Promise<void>[] = [];
      for (const info of list) {
        if (info.name === '.' || info.name === '..') continue;
        const path = dir ? `${dir}/${info.name}` : info.name;
        const mode = info.permissions ? (info.permissions.user << 6) | (info.permissions.group << 3) | info.permissions.world : 0o644;
        if (info.type === FileType.Directory) {
          if (this.exclude(path, true)) continue;
          entries.push({ path, type: 'dir', mode: info.permissions ? mode : 0o755, mtime: mtimeOf(info), size: 0 });
          subdirs.push(walk(path));
        } else if (this.exclude(path, false)) {
          continue;
        } else if (info.type === FileType.SymbolicLink) {
          entries.push({ path, type: 'symlink', mode: 0o777, mtime: mtimeOf(info), size: 0, target: info.link ?? '' });
        } else if (info.type === FileType.File) {
          entries.push({ path, type: 'file', mode, mtime: mtimeOf(info), size: info.size });
        } else {
          warnings.push({ path, message: 'skipped: not a regular file, folder or symlink' });
        }
      }
      // Every folder is walked to the end before a failure is passed on, so none is left running.
      const walked = await Promise.allSettled(subdirs);
      const failed = walked.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
    await walk('');
    return { entries, warnings };
  }

  /** The file from `offset` on, over one pooled connection. */
  async *#download(entry: SourceEntry, offset: number): AsyncIterable<Buffer> {
    const client = await this.pool.acquire();
    const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
    const transfer = client.downloadTo(pipe, posix.join(this.root, entry.path), offset).then(
      () => null,
      (error: unknown) => error,
    );
    let failure: unknown = null;
    try {
      for await (const chunk of pipe) yield chunk as Buffer;
      failure = await transfer;
      if (failure) throw failure;
    } catch (error) {
      failure ??= error;
      throw error;
    } finally {
      pipe.destroy();
      await transfer;
      this.pool.release(client, failure !== null && !(failure instanceof FTPError));
    }
  }

  /**
   * FTP cannot tell a cut data connection from the end of the file: a server that had handed
   * the whole file to its socket still says 226. A short download is cut short when the file
   * on the server is still longer than what arrived; otherwise the file itself shrank.
   */
  async #endedEarly(entry: SourceEntry, received: number): Promise<boolean> {
    if (received >= entry.size) return false;
    const now = await this.pool.with((client) => client.size(posix.join(this.root, entry.path))).catch(() => received);
    return now > received;
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    let offset = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const chunk of this.#download(entry, offset)) {
          offset += chunk.length;
          yield chunk;
        }
        if (await this.#endedEarly(entry, offset)) {
          throw new BackendError('transient', 'CONNECTION_FAILED', `The download of ${entry.path} from ${this.description} ended after ${offset} of ${entry.size} bytes (connection lost).`);
        }
        return;
      } catch (error) {
        if (error instanceof SourceFileError) throw error;
        const failure = classifyFtpError(error, this.description, entry.path);
        if (failure.kind !== 'transient') {
          const message = error instanceof FTPError && error.code === 550 ? 'vanished or cannot be read (550)' : `cannot be read: ${(error as Error).message}`;
          throw new SourceFileError(entry.path, message);
        }
        if (!mayRetry(failure, attempt, this.retry)) throw new BackendError('transient', failure.code, `${failure.message} (reading ${entry.path}, after ${attempt + 1} attempts)`);
        this.retry.onRetry?.(`read ${entry.path}`, attempt + 1, failure);
        await backoff(attempt, this.retry);
      }
    }
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
