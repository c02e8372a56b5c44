import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, FileType, FTPError, type FileInfo } from 'basic-ftp';
import { BackendError } from '../backends/backend';
import { classifyFtpError } from '../backends/ftp-backend';
import { ResourcePool } from '../concurrency/resource-pool';
import { ApiError } from '../contract/errors';
import { sourceNotAFolder, sourceNotFound, sourceUnreadable } from '../engine/errors';
import { mayRetry, retryTransient, waitBeforeRetry, type RetryOptions } from '../retry/retry';
import { SourceFileError, type Source, type SourceEntry, type Warning } from '../engine/source';

/** Opens a logged-in FTP(S) connection; the backup's pool holds up to the site's limit. */
export type FtpConnect = () => Promise<Client>;

/** Deeper than this, a folder is taken for a loop the server's ids could not show. */
const MAX_DEPTH = 64;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The time a LIST line shows (basic-ftp parses only MLSD's): Unix `Mar  3 14:05` (within the
 * last year) or `Mar  3  2019`, DOS `04-27-21 09:09PM`. Read as UTC, as most servers list.
 */
export function parseListTime(raw: string, now: Date = new Date()): number | null {
  const unix = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  if (unix) {
    const month = MONTHS.indexOf(unix[1]!.toLowerCase());
    if (month < 0) return null;
    const day = Number(unix[2]);
    if (unix[5]) return Date.UTC(Number(unix[5]), month, day);
    const thisYear = Date.UTC(now.getUTCFullYear(), month, day, Number(unix[3]), Number(unix[4]));
    // A time without a year is within the last six months or so: a date "ahead" is last year's.
    return thisYear > now.getTime() + 86_400_000 ? Date.UTC(now.getUTCFullYear() - 1, month, day, Number(unix[3]), Number(unix[4])) : thisYear;
  }
  const dos = /^(\d{2})-(\d{2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*(AM|PM)?$/i.exec(raw.trim());
  if (dos) {
    const year = dos[3]!.length === 2 ? 2000 + Number(dos[3]) - (Number(dos[3]) >= 70 ? 100 : 0) : Number(dos[3]);
    const clock = Number(dos[4]);
    const half = dos[6]?.toUpperCase();
    const hour = half ? (clock % 12) + (half === 'PM' ? 12 : 0) : clock;
    return Date.UTC(year, Number(dos[1]) - 1, Number(dos[2]), hour, Number(dos[5]));
  }
  return null;
}

/** FTP listings give minutes (or days) at best: times are rounded to whole seconds. */
function mtimeOf(info: FileInfo): number {
  if (info.modifiedAt) return Math.floor(info.modifiedAt.getTime() / 1000) * 1000;
  return (info.rawModifiedAt && parseListTime(info.rawModifiedAt)) || 0;
}

/** What one item of a folder's listing (MLSD, or LIST in whatever format the server uses) becomes in a backup. */
export function listedEntry(info: FileInfo, path: string): { entry: SourceEntry } | { warning: Warning } {
  const mtime = mtimeOf(info);
  const mode = info.permissions ? (info.permissions.user << 6) | (info.permissions.group << 3) | info.permissions.world : null;
  switch (info.type) {
    case FileType.Directory:
      return { entry: { path, type: 'dir', mode: mode ?? 0o755, mtime, size: 0 } };
    case FileType.File:
      return { entry: { path, type: 'file', mode: mode ?? 0o644, mtime, size: info.size } };
    case FileType.SymbolicLink:
      if (info.link) return { entry: { path, type: 'symlink', mode: 0o777, mtime, size: 0, target: info.link } };
      return { warning: { path, message: 'skipped: a symbolic link whose target this FTP server does not show (back it up over SSH or SFTP to keep it)' } };
    default:
      return { warning: { path, message: 'skipped: not a regular file, folder or symlink' } };
  }
}

/** The server's refusal to enter the root folder, by its words (FTP has one code, 550, for every reason). */
function rootRefused(error: FTPError, root: string, server: string): ApiError {
  const said = error.message.replace(/^\d{3}\s*/, '');
  if (/permission|denied|access/i.test(said)) return sourceUnreadable(root, server, `the server said: ${said}`);
  if (/not a directory/i.test(said)) return sourceNotAFolder(root, server);
  return sourceNotFound(root, server, `the server said: ${said}`);
}

/** Up to `size` logged-in connections, shared by listing, reading and (for a restore) writing. */
export type FtpPool = ResourcePool<Client>;

/** A connection that failed below the FTP protocol (not a reply code) is closed, not reused. */
export function ftpPool(connect: FtpConnect, size: number): FtpPool {
  return new ResourcePool<Client>({
    size,
    open: connect,
    close: (client) => client.close(),
    usable: (client) => !client.closed,
    brokenBy: (error) => !(error instanceof FTPError),
  });
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
    this.pool = ftpPool(connect, poolSize);
  }

  /** One folder's listing, retried while the failure is the connection's. */
  #listFolder(dir: string): Promise<FileInfo[]> {
    const path = posix.join(this.root, dir);
    return retryTransient(
      `list ${path}`,
      () =>
        this.pool
          .with((client) => client.list(path))
          .catch((error: unknown) => {
            throw classifyFtpError(error, this.description, dir || '/');
          }),
      this.retry,
    );
  }

  /**
   * Many FTP servers list a folder that does not exist, or cannot be read, as an empty one
   * (pure-ftpd does): the root is entered first (CWD), and the server's refusal says why.
   */
  async #enterRoot(): Promise<void> {
    await retryTransient(
      `open ${this.root}`,
      () =>
        this.pool.with(async (client) => {
          const failed = (error: unknown) => classifyFtpError(error, this.description, this.root);
          const home = await client.pwd().catch((error: unknown) => Promise.reject(failed(error)));
          await client.cd(this.root).catch((error: unknown) => Promise.reject(error instanceof FTPError ? rootRefused(error, this.root, this.description) : failed(error)));
          // Back where a login starts: relative roots are resolved from there.
          await client.cd(home).catch((error: unknown) => Promise.reject(failed(error)));
        }),
      this.retry,
    );
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const entries: SourceEntry[] = [];
    const warnings: Warning[] = [];
    await this.#enterRoot();
    // A folder link is listed as the folder it points to: one that leads back up is a loop.
    const walk = async (dir: string, above: ReadonlySet<string>): Promise<void> => {
      let list: FileInfo[];
      try {
        list = await this.#listFolder(dir);
      } catch (error) {
        if (error instanceof BackendError && error.kind === 'transient') throw error;
        if (dir === '') throw sourceUnreadable(this.root, this.description, (error as Error).message);
        warnings.push({ path: dir, message: `cannot list folder: ${(error as Error).message}` });
        return;
      }
      const subdirs: Promise<void>[] = [];
      for (const info of list) {
        if (info.name === '.' || info.name === '..') continue;
        const path = dir ? `${dir}/${info.name}` : info.name;
        if (this.exclude(path, info.type === FileType.Directory)) continue;
        if (info.type === FileType.Directory) {
          const depth = path.split('/').length;
          if ((info.uniqueID !== undefined && above.has(info.uniqueID)) || depth > MAX_DEPTH) {
            warnings.push({ path, message: `skipped: a link back to a folder above it (a loop)${depth > MAX_DEPTH ? `, or folders nested over ${MAX_DEPTH} deep` : ''}` });
            continue;
          }
          subdirs.push(walk(path, info.uniqueID === undefined ? above : new Set([...above, info.uniqueID])));
        }
        const listed = listedEntry(info, path);
        if ('warning' in listed) warnings.push(listed.warning);
        else entries.push(listed.entry);
      }
      // Every folder is walked to the end before a failure is passed on, so none is left running.
      const walked = await Promise.allSettled(subdirs);
      const failed = walked.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
    await walk('', new Set());
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
        await waitBeforeRetry(`read ${entry.path}`, failure, attempt, this.retry);
      }
    }
  }

  async close(): Promise<void> {
    this.pool.closeIdle();
  }
}
