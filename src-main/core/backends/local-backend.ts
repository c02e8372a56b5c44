import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertObjectName, BackendError, notFound, type Backend, type ByteRange, type ObjectInfo } from './backend';

function classify(error: unknown, location: string, name: string): BackendError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return notFound(location, name);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new BackendError('permanent', 'NO_SPACE', `The disk holding ${location} is full (${code}) while writing ${name}.`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new BackendError('permanent', 'PERMISSION_DENIED', `No permission to write ${name} in ${location} (${code}).`, { cause: error });
  }
  if (code === 'EIO' || code === 'EAGAIN' || code === 'EBUSY') {
    return new BackendError('transient', 'IO_ERROR', `I/O error on ${name} in ${location} (${code}).`, { cause: error });
  }
  return new BackendError('permanent', 'IO_ERROR', `${(error as Error).message}`, { cause: error });
}

/** A repository in a local folder: the embedded default destination. */
export class LocalBackend implements Backend {
  readonly properties;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.properties = { location: root, maxConnections: 0 };
  }

  #path(name: string): string {
    assertObjectName(name);
    return join(this.#root, name);
  }

  async list(folder: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.#root, relative), { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw classify(error, this.#root, relative);
      }
      for (const entry of entries) {
        const name = `${relative}/${entry.name}`;
        if (entry.isDirectory()) {
          if (folder === 'data' && relative === 'data') await walk(name);
        } else if (entry.isFile() && !entry.name.includes('.tmp.')) {
          const info = await stat(join(this.#root, name));
          out.push({ name, size: info.size });
        }
      }
    };
    await walk(folder);
    return out;
  }

  async stat(name: string): Promise<ObjectInfo> {
    try {
      return { name, size: (await stat(this.#path(name))).size };
    } catch (error) {
      throw classify(error, this.#root, name);
    }
  }

  async read(name: string, range?: ByteRange): Promise<Buffer> {
    const path = this.#path(name);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw classify(error, this.#root, name);
    }
    try {
      if (!range) return await handle.readFile();
      const buffer = Buffer.alloc(range.length);
      let done = 0;
      while (done < range.length) {
        const { bytesRead } = await handle.read(buffer, done, range.length - done, range.offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      if (done < range.length) {
        throw new BackendError('permanent', 'TRUNCATED', `${name} is shorter than expected (read ${done} of ${range.length} bytes at ${range.offset}).`);
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    const path = this.#path(name);
    const temp = `${path}.tmp.${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw classify(error, this.#root, name);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await rm(this.#path(name));
    } catch (error) {
      throw classify(error, this.#root, name);
    }
  }

  async close(): Promise<void> {}
}
