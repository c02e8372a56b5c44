import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { FileType, type Client } from 'basic-ftp';
import { BoundedQueue } from '../concurrency/bounded-queue';
import { ApiError } from '../contract/errors';
import type { ContentStream } from '../engine/content-stream';
import type { TreeNode } from '../engine/tree';
import type { FtpPool } from '../sites/ftp-source';
import type { PlannedWrite, RemoteItem } from './restore-plan';
import { PART_PREFIX, type SiteWriter, type WriterCapabilities, type WriteHooks } from './site-writer';

const WHOLE_FILE = 8 * 1024 * 1024;

function ftpTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** FTP commands are lines: a name with a line break cannot be sent. */
function checkSendable(path: string): void {
  if (/[\r\n]/.test(path)) throw new ApiError('BAD_REQUEST', 'FTP cannot carry a file name with a line break');
}

/**
 * Writes to a site over FTP or FTPS with the site's pool of connections (several uploads at
 * once). Each file goes up under a temporary name and is renamed into place. SITE CHMOD and
 * MFMT name a path and the server follows a symlink there, so they are sent only for what was
 * just uploaded or created on the same connection: a file's temporary name before its rename,
 * a new folder right after MKD. A folder already on the site keeps its mode and time, and a
 * file whose content is right but whose mode or time differs is uploaded again.
 */
export class FtpSiteWriter implements SiteWriter {
  readonly method = 'FTP';
  #canSetTimes: boolean | null = null;
  #canChmod = true;

  constructor(
    private readonly pool: FtpPool,
    private readonly root: string,
    private readonly parallel: number,
  ) {}

  async capabilities(): Promise<WriterCapabilities> {
    return {
      setsMetadataInPlace: false,
      caveats: [
        'FTP cannot change a mode or time without following a symlink, so SiteVault sets them only on what this restore uploads or creates: files whose mode or time differ are uploaded again, and folders already on the site keep their modes and times.',
      ],
    };
  }

  #full(path: string): string {
    checkSendable(path);
    return posix.join(this.root, path);
  }

  /** Only for what was just uploaded or created on this connection (see the class). */
  async #chmod(client: Client, full: string, mode: number): Promise<void> {
    if (!this.#canChmod) return;
    await client.send(`SITE CHMOD ${(mode & 0o777).toString(8)} ${full}`).catch((error: { code?: number }) => {
      if (error.code === 500 || error.code === 502 || error.code === 504) this.#canChmod = false;
      else throw error;
    });
  }

  async #setTime(client: Client, full: string, mtime: number): Promise<void> {
    if (this.#canSetTimes === null) this.#canSetTimes = (await client.features()).has('MFMT');
    if (this.#canSetTimes) await client.send(`MFMT ${ftpTime(mtime)} ${full}`);
  }

  async remove(items: readonly RemoteItem[]): Promise<void> {
    await Promise.all(
      items.map((item) =>
        this.pool.with(async (client) => {
          const full = this.#full(item.path);
          if (item.type === 'dir') await client.removeDir(full);
          else await client.remove(full);
        }),
      ),
    );
  }

  async #mkdir(client: Client, path: string): Promise<void> {
    await client.send(`MKD ${this.#full(path)}`).catch(async (error: unknown) => {
      const listing = await client.list(posix.dirname(this.#full(path))).catch(() => []);
      if (!listing.some((i) => i.name === posix.basename(path) && i.type === FileType.Directory)) throw error;
    });
  }

  async makeDirs(paths: readonly string[]): Promise<void> {
    await this.pool.with(async (client) => {
      for (const path of paths) await this.#mkdir(client, path);
    });
  }

  async #upload(path: string, source: AsyncIterable<Buffer> | Iterable<Buffer>, mode: number, mtime: number, size: number): Promise<void> {
    const final = this.#full(path);
    const temp = posix.join(posix.dirname(final), `${PART_PREFIX}${randomBytes(6).toString('hex')}`);
    await this.pool.with(async (client) => {
      let sent = 0;
      const counted = Readable.from(
        (async function* () {
          for await (const piece of source) {
            sent += piece.length;
            yield piece;
          }
        })(),
      );
      try {
        await client.uploadFrom(counted, temp);
        if (sent !== size) throw new ApiError('INTERNAL', `the repository holds ${sent} bytes where the snapshot says ${size}`);
        // On the temporary name just uploaded, before the rename (which keeps them).
        await this.#chmod(client, temp, mode);
        await this.#setTime(client, temp, mtime);
        await client.rename(temp, final);
      } catch (error) {
        if (!client.closed) await client.remove(temp).catch(() => {});
        throw error;
      }
    });
  }

  async write(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<void> {
    // Uploads of small files run in the background, a few at once; each reports its own failure.
    const uploads = new BoundedQueue({ maxTasks: this.parallel });
    const failed = (path: string) => (error: unknown) => hooks.onFailed(path, (error as Error).message);
    for (const { path, node, reason } of writes) {
      if (hooks.signal?.aborted) break;
      if (node.type === 'dir') {
        // A new folder gets its mode right after MKD, on the same connection; its time is left.
        if (reason === 'folder') {
          await this.pool
            .with(async (client) => {
              await this.#mkdir(client, path);
              await this.#chmod(client, this.#full(path), node.mode);
            })
            .then(() => hooks.onWritten(path, 0), failed(path));
        }
      } else if (node.type === 'symlink') {
        hooks.onFailed(path, `FTP cannot create symlinks (it should point to ${node.target})`);
      } else if (node.size <= WHOLE_FILE) {
        const got = await content.whole(node);
        if ('error' in got) {
          hooks.onFailed(path, `cannot be read from the repository: ${got.error.message}`);
          continue;
        }
        await uploads.add(() => this.#upload(path, [got.data], node.mode, node.mtime, node.size).then(() => hooks.onWritten(path, node.size), failed(path)));
      } else {
        await this.#upload(path, content.file(node), node.mode, node.mtime, node.size).then(() => hooks.onWritten(path, node.size), failed(path));
      }
    }
    await uploads.drain();
    if (hooks.signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
  }

  async setMetadata(items: ReadonlyArray<{ path: string; node: TreeNode }>, hooks: Pick<WriteHooks, 'onFailed'>): Promise<void> {
    // Files whose mode or time differ are uploaded again instead (capabilities); nothing is set by path.
    for (const { path, node } of items) if (node.type !== 'symlink') hooks.onFailed(path, 'FTP cannot set its mode and time without following a symlink');
  }

  putFile(path: string, data: Buffer, mode: number, mtime: number): Promise<void> {
    return this.#upload(path, [data], mode, mtime, data.length);
  }
}
