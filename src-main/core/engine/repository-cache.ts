import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the cache holds: snapshot and index files (named by the hash of their bytes) and whole packs of trees. */
export type CachedKind = 'snapshots' | 'index' | 'tree-packs';

const HEX_ID = /^[0-9a-f]{64}$/;

/**
 * This computer's copy of a repository's objects that never change once written, so that a
 * backup does not read again what an earlier one read or wrote. Every object is checked on
 * use exactly as if it came from storage (its name is its hash; blobs are authenticated), so
 * a damaged or altered cache costs a read from storage, never a wrong result. Listings are
 * never cached: what another installation added or removed is always seen. Failing to write
 * the cache (a full or read-only disk) only means reading from storage next time.
 */
export class RepositoryCache {
  private constructor(readonly dir: string) {}

  /** The cache of one repository: a folder named by its id under `root`. */
  static forRepository(root: string, repositoryId: string): RepositoryCache | null {
    // The id comes from the repository's config; it becomes a folder name only when it is plain hex.
    return HEX_ID.test(repositoryId) ? new RepositoryCache(join(root, repositoryId)) : null;
  }

  #path(kind: CachedKind, id: string): string {
    if (!HEX_ID.test(id)) throw new Error(`not a cacheable object id: ${id.slice(0, 80)}`);
    return join(this.dir, kind, id);
  }

  /** The cached bytes, or null when they are not here (or cannot be read). */
  async get(kind: CachedKind, id: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(kind, id));
    } catch {
      return null;
    }
  }

  /** `length` bytes at `offset` of a cached object, or null when it is not here or shorter. */
  async getRange(kind: CachedKind, id: string, offset: number, length: number): Promise<Buffer | null> {
    let handle;
    try {
      handle = await open(this.#path(kind, id), 'r');
      const out = Buffer.alloc(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      return bytesRead === length ? out : null;
    } catch {
      return null;
    } finally {
      await handle?.close().catch(() => {});
    }
  }

  /** Stores an object (a temporary name, then a rename: a reader never sees half of it). Returns whether it was stored. */
  async put(kind: CachedKind, id: string, bytes: Buffer): Promise<boolean> {
    const path = this.#path(kind, id);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(join(this.dir, kind), { recursive: true, mode: 0o700 });
      await writeFile(temp, bytes, { mode: 0o600 });
      await rename(temp, path);
      return true;
    } catch {
      await rm(temp, { force: true }).catch(() => {});
      return false;
    }
  }

  async remove(kind: CachedKind, id: string): Promise<void> {
    await rm(this.#path(kind, id), { force: true }).catch(() => {});
  }

  /** Removes what storage no longer has (forgotten snapshots, index files and packs a prune replaced). */
  async retain(kind: CachedKind, present: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, kind));
    } catch {
      return;
    }
    // A temporary file of another process's write may go too: that write is then simply not cached.
    await Promise.all(names.filter((name) => !present.has(name)).map((name) => rm(join(this.dir, kind, name), { force: true }).catch(() => {})));
  }
}
