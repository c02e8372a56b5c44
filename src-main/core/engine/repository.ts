import { hostname } from 'node:os';
import { z } from 'zod';
import { ApiError } from '../contract/errors';
import { isNotFound, type Backend } from '../backends/backend';
import { SignalledBackend } from '../backends/wrappers';
import { BoundedQueue } from '../concurrency/bounded-queue';
import { Chunker, DEFAULT_CHUNKER } from './chunker';
import { blobId, decrypt, encrypt, IntegrityError, newMasterKeys, storageId, type MasterKeys } from './crypto';
import { notARepository, wrongPassphrase } from './errors';
import type { Compression } from './compression';
import { decodeHeader, headerTailSize, openBlob, PackBuilder, packName, sealBlob, type BlobLocation, type BlobType, type PackEntry } from './pack';
import { SealPool } from './seal-pool';
import { RepositoryCache, type CachedKind } from './repository-cache';
import { BlobIndex, indexFileSchema, toIndexFile, type PackRecord } from './repository-index';
import { randomId, unlockMasterKeys, writeKeyFile } from './repository-keys';
import { decodeTree, encodeTree, type Tree, type TreeNode } from './tree';

export const FORMAT_VERSION = 1;

const configSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  id: z.string(),
  created: z.string(),
  chunker: z.object({ min: z.number().int().positive(), avg: z.number().int().positive(), max: z.number().int().positive() }),
});
export type RepositoryConfig = z.infer<typeof configSchema>;

export type MetadataFolder = 'snapshots' | 'index' | 'locks';

const PACK_TARGET_BYTES = 16 * 1024 * 1024;
const PACKS_PER_INDEX_FILE = 8;
/** Tree packs up to this size are cached whole (object storage's packs are 64 MiB, plus the last blob). */
const MAX_CACHED_TREE_PACK = 96 * 1024 * 1024;

/** Who opens the repository: this installation, recorded in the snapshots it writes, and its local cache. */
export interface LocalContext {
  /** This installation's id (random, one per data folder); null: not recorded. */
  installation?: string | null;
  /** A folder for the caches of repositories whose storage asks for one (object storage bills each request). */
  cacheDir?: string | null;
}

interface SharedState {
  /** The repository as opened, without a signal. */
  base: Repository;
  index: BlobIndex;
  damagedIndexFiles: string[];
  sealPool?: SealPool | null;
  installation: string | null;
  /** Tree packs being copied into the cache, so that concurrent reads fetch each once; false: it could not be stored. */
  treePackFetches: Map<string, Promise<boolean>>;
}

/**
 * An open repository: its keys, config and blob index, and the ways to read and write
 * encrypted objects in it. Every write is content-addressed and write-once.
 */
export class Repository {
  readonly index: BlobIndex;
  readonly chunker: Chunker;
  /** What every view of this repository (`withSignal`) shares. */
  readonly #shared: SharedState;

  /** This view's cache (null: every read goes to storage, as `check` needs). */
  readonly #cache: RepositoryCache | null;

  private constructor(
    readonly backend: Backend,
    readonly config: RepositoryConfig,
    readonly keys: MasterKeys,
    readonly keyId: string,
    shared?: SharedState,
    cache: RepositoryCache | null = null,
    installation: string | null = null,
  ) {
    this.chunker = new Chunker(keys.chunker, config.chunker);
    this.#cache = cache;
    this.#shared = shared ?? { base: this, index: new BlobIndex(), damagedIndexFiles: [], installation, treePackFetches: new Map() };
    this.index = this.#shared.index;
    this.damagedIndexFiles = this.#shared.damagedIndexFiles;
  }

  /**
   * The same repository (index, sealing threads) with every storage call made under a job's
   * signal: once it is cancelled, a retry's backoff ends at once and no new attempt starts.
   * Clean-up that must still happen after a cancel (releasing a lock) uses this repository.
   */
  withSignal(signal: AbortSignal | undefined): Repository {
    if (!signal) return this.withoutSignal();
    const base = this.withoutSignal();
    return new Repository(new SignalledBackend(base.backend, signal), this.config, this.keys, this.keyId, this.#shared, this.#cache);
  }

  /** The same repository with every read from storage, none from the local cache: what a check must see. */
  uncached(): Repository {
    return this.#cache ? new Repository(this.backend, this.config, this.keys, this.keyId, this.#shared, null) : this;
  }

  /** The installation that opened it (recorded in the snapshots it writes), if known. */
  get installation(): string | null {
    return this.#shared.installation;
  }

  /** The job's signal this view works under, if any. */
  get signal(): AbortSignal | undefined {
    return this.backend instanceof SignalledBackend ? this.backend.signal : undefined;
  }

  /** This repository with no job's signal: for clean-up that must run after a cancel. */
  withoutSignal(): Repository {
    return this.#shared.base;
  }

  get location(): string {
    return this.backend.properties.location;
  }

  static async exists(backend: Backend): Promise<boolean> {
    try {
      await backend.stat('config');
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Creates a repository; `master` lets `copy` create a twin that shares ids and chunking. */
  static async init(backend: Backend, passphrase: string, master: MasterKeys = newMasterKeys()): Promise<Repository> {
    if (await Repository.exists(backend)) {
      throw new ApiError('BAD_REQUEST', `A repository already exists at ${backend.properties.location}.`);
    }
    if (passphrase.length === 0) throw new ApiError('BAD_REQUEST', 'The repository passphrase must not be empty.');
    const config: RepositoryConfig = { version: FORMAT_VERSION, id: randomId(), created: new Date().toISOString(), chunker: { ...DEFAULT_CHUNKER } };
    const keyId = await writeKeyFile(backend, master, passphrase, hostname());
    await backend.write('config', encrypt(master.encryption, Buffer.from(JSON.stringify(config)), 'sitevault-config'));
    return new Repository(backend, config, master, keyId);
  }

  static async open(backend: Backend, passphrase: string, options: { loadIndex?: boolean; local?: LocalContext } = {}): Promise<Repository> {
    if (!(await Repository.exists(backend))) throw notARepository(backend.properties.location);
    const unlocked = await unlockMasterKeys(backend, passphrase);
    if (!unlocked) throw wrongPassphrase(backend.properties.location);
    const raw = decrypt(unlocked.master.encryption, await backend.read('config'), 'sitevault-config', 'the repository config');
    const parsed = configSchema.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success) {
      throw new ApiError('BAD_REQUEST', `The repository at ${backend.properties.location} uses a format this version of SiteVault does not know (needs version ${FORMAT_VERSION}).`);
    }
    const cacheDir = options.local?.cacheDir;
    const cache = cacheDir && backend.properties.cacheMetadata ? RepositoryCache.forRepository(cacheDir, parsed.data.id) : null;
    const repo = new Repository(backend, parsed.data, unlocked.master, unlocked.keyId, undefined, cache, options.local?.installation ?? null);
    if (options.loadIndex !== false) await repo.loadIndex();
    return repo;
  }

  async addKey(passphrase: string): Promise<string> {
    return writeKeyFile(this.backend, this.keys, passphrase, hostname());
  }

  // ---- encrypted JSON objects (snapshots, index, locks) ----

  async saveJson(folder: MetadataFolder, value: unknown): Promise<{ id: string; size: number }> {
    const sealed = encrypt(this.keys.encryption, Buffer.from(JSON.stringify(value), 'utf8'), `sitevault-${folder}`);
    const id = storageId(sealed);
    await this.backend.write(`${folder}/${id}`, sealed);
    if (folder !== 'locks') await this.#cache?.put(folder, id, sealed);
    return { id, size: sealed.length };
  }

  async loadJson(folder: MetadataFolder, id: string): Promise<unknown> {
    const name = `${folder}/${id}`;
    // Snapshot and index files never change: their name is the hash of their bytes, checked here.
    const cached = folder !== 'locks' ? await this.#cache?.get(folder, id) : null;
    const fromCache = cached && storageId(cached) === id ? cached : null;
    const sealed = fromCache ?? (await this.backend.read(name));
    if (storageId(sealed) !== id) throw new IntegrityError(`${name} does not match its name: damaged`);
    const value = JSON.parse(decrypt(this.keys.encryption, sealed, `sitevault-${folder}`, name).toString('utf8'));
    if (!fromCache && folder !== 'locks') await this.#cache?.put(folder, id, sealed);
    return value;
  }

  /** Drops cached objects of a folder that storage no longer lists (after listing it anyway). */
  async retainCached(kind: CachedKind, present: Iterable<string>): Promise<void> {
    await this.#cache?.retain(kind, new Set(present));
  }

  async listIds(folder: MetadataFolder): Promise<string[]> {
    return (await this.backend.list(folder)).map((object) => object.name.slice(folder.length + 1));
  }

  // ---- index ----

  /** Index files that could not be read when the index was loaded (check reports them). */
  readonly damagedIndexFiles: string[];

  /** Loads every readable index file; a damaged one is skipped and remembered, not fatal. */
  async loadIndex(): Promise<void> {
    const ids = await this.listIds('index');
    const files = await Promise.all(
      ids.map(async (id) => {
        try {
          return { id, file: indexFileSchema.parse(await this.loadJson('index', id)) };
        } catch {
          this.damagedIndexFiles.push(id);
          return null;
        }
      }),
    );
    const readable = files.filter((f): f is NonNullable<typeof f> => f !== null);
    const superseded = new Set(readable.flatMap(({ file }) => file.supersedes));
    for (const { id, file } of readable) if (!superseded.has(id)) this.index.addFile(id, file);
    await this.retainCached('index', ids);
    await this.retainCached('tree-packs', this.index.packs.keys());
  }

  /**
   * Packs in storage that no index lists (left by a backup that was killed before it could
   * write its index), read from their own headers so their blobs are reused, not uploaded again.
   */
  async unindexedPacks(): Promise<PackRecord[]> {
    const found: PackRecord[] = [];
    for (const object of await this.backend.list('data')) {
      const id = object.name.slice('data/xx/'.length);
      if (this.index.packs.has(id)) continue;
      try {
        found.push({ id, size: object.size, entries: await this.readPackHeader(id, object.size) });
      } catch {
        // A damaged pack is left for check and prune to report and remove.
      }
    }
    return found;
  }

  /** Lists a pack's blobs from its own header (for check and index rebuilding). */
  async readPackHeader(packId: string, size: number): Promise<PackEntry[]> {
    const tail = Math.min(size, headerTailSize());
    const bytes = await this.backend.read(packName(packId), { offset: size - tail, length: tail });
    return decodeHeader(this.keys.encryption, bytes, size, packName(packId));
  }

  // ---- blobs ----

  hashBlob(plaintext: Buffer): string {
    return blobId(this.keys.id, plaintext);
  }

  async readBlob(id: string): Promise<Buffer> {
    const location = this.index.get(id);
    if (!location) throw new ApiError('NOT_FOUND', `Blob ${id.slice(0, 12)} is not in the index of ${this.location}: the repository is damaged (run check).`);
    const where = `pack ${location.pack.slice(0, 12)}`;
    const cached = location.type === 'tree' ? await this.#cachedTreeBlob(location) : null;
    if (cached) {
      try {
        return await openBlob(this.keys, id, cached, location.compression, location.rawLength, where);
      } catch {
        // A damaged cached pack: forget it and read from storage, which decides.
        await this.#cache?.remove('tree-packs', location.pack);
        this.#shared.treePackFetches.delete(location.pack);
      }
    }
    const sealed = await this.backend.read(packName(location.pack), { offset: location.offset, length: location.length });
    return openBlob(this.keys, id, sealed, location.compression, location.rawLength, where);
  }

  /** A tree blob from the cached copy of its pack (fetched whole on first use), or null without a cache. */
  async #cachedTreeBlob(location: BlobLocation): Promise<Buffer | null> {
    const cache = this.#cache;
    if (!cache) return null;
    const hit = await cache.getRange('tree-packs', location.pack, location.offset, location.length);
    if (hit) return hit;
    const size = this.index.packs.get(location.pack)?.size;
    if (size === undefined || size > MAX_CACHED_TREE_PACK) return null;
    const fetches = this.#shared.treePackFetches;
    let fetching = fetches.get(location.pack);
    if (!fetching) {
      // Kept once settled: a pack that could not be stored (a full or read-only disk) is not fetched whole again.
      fetching = (async () => {
        const bytes = await this.backend.read(packName(location.pack));
        return bytes.length === size && (await cache.put('tree-packs', location.pack, bytes));
      })();
      fetching.catch(() => fetches.delete(location.pack));
      fetches.set(location.pack, fetching);
    }
    if (!(await fetching)) return null;
    return cache.getRange('tree-packs', location.pack, location.offset, location.length);
  }

  /** Keeps a pack of trees this installation just wrote, so that its next backup need not read it. */
  async cacheTreePack(packId: string, bytes: Buffer): Promise<void> {
    await this.#cache?.put('tree-packs', packId, bytes);
  }

  async loadTree(id: string, where = ''): Promise<Tree> {
    return decodeTree(await this.readBlob(id), where);
  }

  /** Worker threads for sealing blobs, started on first use (null: seal on this thread). */
  sealPool(): SealPool | null {
    const shared = this.#shared;
    if (shared.sealPool === undefined) shared.sealPool = process.env['SITEVAULT_SEAL_THREADS'] === '0' ? null : SealPool.create(this.keys);
    return shared.sealPool && !shared.sealPool.broken ? shared.sealPool : null;
  }

  newBlobWriter(options: { uploadConcurrency?: number; packTargetBytes?: number } = {}): BlobWriter {
    // The pack size is the backend's choice (larger for object storage); readers accept any size.
    const packTarget = options.packTargetBytes ?? this.backend.properties.packTargetBytes ?? PACK_TARGET_BYTES;
    return new BlobWriter(this, options.uploadConcurrency ?? 4, packTarget);
  }
}

export interface BlobWriterStats {
  packsWritten: number;
  bytesStored: number;
  blobsAdded: number;
  blobsDeduplicated: number;
}

/**
 * Dedups, seals and packs blobs, uploads packs with bounded concurrency (so memory stays
 * bounded), and writes index files in batches after their packs.
 */
export class BlobWriter {
  readonly stats: BlobWriterStats = { packsWritten: 0, bytesStored: 0, blobsAdded: 0, blobsDeduplicated: 0 };
  readonly #pending = new Set<string>();
  readonly #builders: Record<BlobType, PackBuilder> = { data: new PackBuilder(), tree: new PackBuilder() };
  readonly #uploads: BoundedQueue;
  #unindexed: PackRecord[] = [];

  constructor(
    private readonly repo: Repository,
    uploadConcurrency: number,
    private readonly packTarget: number,
  ) {
    this.#uploads = new BoundedQueue({ maxTasks: uploadConcurrency });
  }

  has(id: string): boolean {
    return this.repo.index.has(id) || this.#pending.has(id);
  }

  /** Takes over packs that exist but are not indexed: indexed with this writer's next index file. */
  adopt(packs: readonly PackRecord[]): void {
    for (const pack of packs) {
      for (const entry of pack.entries) this.#pending.add(entry.id);
      this.#unindexed.push(pack);
    }
  }

  /** Stores a blob unless the repository already has it. Returns its id. */
  async save(type: BlobType, plaintext: Buffer, knownId?: string, options: { evenIfIndexed?: boolean } = {}): Promise<{ id: string; added: boolean }> {
    if (this.#uploads.failure) throw this.#uploads.failure;
    const known = (id: string) => (options.evenIfIndexed ? this.#pending.has(id) : this.has(id));
    let id: string;
    let sealed: Buffer;
    let compression: Compression;
    const pool = knownId ? null : this.repo.sealPool();
    if (pool) {
      // The id comes back with the sealed blob; a duplicate is dropped then (new data is the
      // common case here: unchanged files are never read).
      ({ id, sealed, compression } = await pool.seal(plaintext));
      if (known(id)) {
        this.stats.blobsDeduplicated++;
        return { id, added: false };
      }
      this.#pending.add(id);
    } else {
      id = knownId ?? this.repo.hashBlob(plaintext);
      if (known(id)) {
        this.stats.blobsDeduplicated++;
        return { id, added: false };
      }
      this.#pending.add(id);
      ({ sealed, compression } = await sealBlob(this.repo.keys.encryption, id, plaintext));
    }
    const builder = this.#builders[type];
    builder.add({ id, type, length: sealed.length, rawLength: plaintext.length, compression }, sealed);
    this.stats.blobsAdded++;
    if (builder.size >= this.packTarget) await this.#flushBuilder(type);
    return { id, added: true };
  }

  async saveTree(nodes: readonly TreeNode[]): Promise<string> {
    return (await this.save('tree', encodeTree(nodes))).id;
  }

  async #flushBuilder(type: BlobType): Promise<void> {
    const builder = this.#builders[type];
    if (builder.count === 0) return;
    this.#builders[type] = new PackBuilder();
    const pack = builder.finish(this.repo.keys.encryption);
    await this.#uploads.add(async () => {
      await this.repo.backend.write(packName(pack.id), pack.bytes);
      if (type === 'tree') await this.repo.cacheTreePack(pack.id, pack.bytes);
      this.stats.packsWritten++;
      this.stats.bytesStored += pack.bytes.length;
      this.#unindexed.push({ id: pack.id, size: pack.bytes.length, entries: pack.entries });
    });
    if (this.#unindexed.length >= PACKS_PER_INDEX_FILE) await this.#writeIndex();
  }

  /** Packs written so far (after flush: all of them), for callers that rewrite the index. */
  readonly written: PackRecord[] = [];

  async #writeIndex(): Promise<void> {
    if (this.#unindexed.length === 0) return;
    this.written.push(...this.#unindexed);
    const batch = this.#unindexed;
    this.#unindexed = [];
    const { id, size } = await this.repo.saveJson('index', toIndexFile(batch));
    this.stats.bytesStored += size;
    for (const pack of batch) {
      this.repo.index.addPack(pack, id);
      for (const entry of pack.entries) this.#pending.delete(entry.id);
    }
  }

  /** Uploads what is left and indexes every pack. After this, all saved blobs are findable. */
  async flush(): Promise<void> {
    await this.#flushBuilder('data');
    await this.#flushBuilder('tree');
    await this.#uploads.drain();
    await this.#writeIndex();
  }

  /** Waits for uploads in flight without indexing more (used when a job fails). */
  async abandon(): Promise<void> {
    await this.#uploads.settle();
    if (!this.#uploads.failure) await this.#writeIndex().catch(() => {});
  }
}
