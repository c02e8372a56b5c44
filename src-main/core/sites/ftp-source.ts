import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, FileType, FTPError, type FileInfo } from 'basic-ftp';
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
  readonly #waiting: Array<(client: Client) => void> = [];
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
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(client: Client): void {
    if (client.closed) {
      this.#open--;
      const waiter = this.#waiting.shift();
      if (waiter) void this.acquire().then(waiter);
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) waiter(client);
    else this.#idle.push(client);
  }

  async with<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    try {
      return await work(client);
    } finally {
      this.release(client);
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
 */
export class FtpSource implements Source {
  readonly pool: FtpPool;

  constructor(
    connect: FtpConnect,
    private readonly root: string,
    readonly description: string,
    poolSize: number,
    private readonly exclude: (path: string, isDir: boolean) => boolean = () => false,
  ) {
    this.pool = new FtpPool(connect, poolSize);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const entries: SourceEntry[] = [];
    const warnings: Warning[] = [];
    await this.pool.with((client) => client.list(this.root)).catch((error: unknown) => {
      throw new SourceFileError('/', `Cannot list ${this.root} on the server: ${(error as Error).message}`);
    });
    const walk = async (dir: string): Promise<void> => {
      let list: FileInfo[];
      try {
        list = await this.pool.with((client) => client.list(posix.join(this.root, dir)));
      } catch (error) {
        warnings.push({ path: dir || '/', message: `cannot list folder: ${error instanceof FTPError ? error.message : (error as Error).message}` });
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
      await Promise.all(subdirs);
    };
    await walk('');
    return { entries, warnings };
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    const client = await this.pool.acquire();
    const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
    const transfer = client.downloadTo(pipe, posix.join(this.root, entry.path)).then(
      () => null,
      (error: unknown) => error,
    );
    try {
      for await (const chunk of pipe) yield chunk as Buffer;
      const failure = await transfer;
      if (failure) throw failure;
    } catch (error) {
      if (error instanceof SourceFileError) throw error;
      const message = error instanceof FTPError && error.code === 550 ? 'vanished or cannot be read (550)' : `cannot be read: ${(error as Error).message}`;
      throw new SourceFileError(entry.path, message);
    } finally {
      pipe.destroy();
      await transfer;
      this.pool.release(client);
    }
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
