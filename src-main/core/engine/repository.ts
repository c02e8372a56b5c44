import { hostname } from 'node:os';
import { z } from 'zod';
import { ApiError } from '../contract/errors';
import { isNotFound, type Backend } from '../backends/backend';
import { Semaphore } from '../backends/wrappers';
import { Chunker, DEFAULT_CHUNKER } from './chunker';
import { blobId, decrypt, encrypt, IntegrityError, newMasterKeys, storageId, type MasterKeys } from './crypto';
import { notARepository, wrongPassphrase } from './errors';
import type { Compression } from './compression';
import { decodeHeader, headerTailSize, openBlob, PackBuilder, packName, sealBlob, type BlobType, type PackEntry } from './pack';
import { SealPool } from './seal-pool';
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

/**
 * An open repository: its keys, config and blob index, and the ways to read and write
 * encrypted objects in it. Every write is content-addressed and write-once.
 */
export class Repository {
  readonly index = new BlobIndex();
  readonly chunker: Chunker;

  private constructor(
    readonly backend: Backend,
    readonly config: RepositoryConfig,
    readonly keys: MasterKeys,
    readonly keyId: string,
  ) {
    this.chunker = new Chunker(keys.chunker, config.chunker);
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

  static async open(backend: Backend, passphrase: string, options: { loadIndex?: boolean } = {}): Promise<Repository> {
    if (!(await Repository.exists(backend))) throw notARepository(backend.properties.location);
    const unlocked = await unlockMasterKeys(backend, passphrase);
    if (!unlocked) throw wrongPassphrase(backend.properties.location);
    const raw = decrypt(unlocked.master.encryption, await backend.read('config'), 'sitevault-config', 'the repository config');
    const parsed = configSchema.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success) {
      throw new ApiError('BAD_REQUEST', `The repository at ${backend.properties.location} uses a format this version of SiteVault does not know (needs version ${FORMAT_VERSION}).`);
    }
    const repo = new Repository(backend, parsed.data, unlocked.master, unlocked.keyId);
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
    return { id, size: sealed.length };
  }

  async loadJson(folder: MetadataFolder, id: string): Promise<unknown> {
    const name = `${folder}/${id}`;
    const sealed = await this.backend.read(name);
    if (storageId(sealed) !== id) throw new IntegrityError(`${name} does not match its name: damaged`);
    return JSON.parse(decrypt(this.keys.encryption, sealed, `sitevault-${folder}`, name).toString('utf8'));
  }

  async listIds(folder: MetadataFolder): Promise<string[]> {
    return (await this.backend.list(folder)).map((object) => object.name.slice(folder.length + 1));
  }

  // ---- index ----

  /** Index files that could not be read when the index was loaded (check reports them). */
  readonly damagedIndexFiles: string[] = [];

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
    const sealed = await this.backend.read(packName(location.pack), { offset: location.offset, length: location.length });
    return openBlob(this.keys, id, sealed, location.compression, location.rawLength, `pack ${location.pack.slice(0, 12)}`);
  }

  async loadTree(id: string, where = ''): Promise<Tree> {
    return decodeTree(await this.readBlob(id), where);
  }

  #sealPool: SealPool | null | undefined;

  /** Worker threads for sealing blobs, started on first use (null: seal on this thread). */
  sealPool(): SealPool | null {
    if (this.#sealPool === undefined) this.#sealPool = process.env['SITEVAULT_SEAL_THREADS'] === '0' ? null : SealPool.create(this.keys);
    return this.#sealPool && !this.#sealPool.broken ? this.#sealPool : null;
  }

  newBlobWriter(options: { uploadConcurrency?: number; packTargetBytes?: number } = {}): BlobWriter {
    return new BlobWriter(this, options.uploadConcurrency ?? 4, options.packTargetBytes ?? PACK_TARGET_BYTES);
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
  readonly #uploads = new Set<Promise<void>>();
  readonly #uploadSlots: Semaphore;
  #unindexed: PackRecord[] = [];
  #failure: unknown = null;

  constructor(
    private readonly repo: Repository,
    uploadConcurrency: number,
    private readonly packTarget: number,
  ) {
    this.#uploadSlots = new Semaphore(uploadConcurrency);
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
    if (this.#failure) throw this.#failure;
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
    const release = await this.#uploadSlots.acquire();
    const upload = (async () => {
      try {
        await this.repo.backend.write(packName(pack.id), pack.bytes);
        this.stats.packsWritten++;
        this.stats.bytesStored += pack.bytes.length;
        this.#unindexed.push({ id: pack.id, size: pack.bytes.length, entries: pack.entries });
      } catch (error) {
        this.#failure ??= error;
      } finally {
        release();
      }
    })();
    this.#uploads.add(upload);
    void upload.finally(() => this.#uploads.delete(upload));
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
    await Promise.all([...this.#uploads]);
    if (this.#failure) throw this.#failure;
    await this.#writeIndex();
  }

  /** Waits for uploads in flight without indexing more (used when a job fails). */
  async abandon(): Promise<void> {
    await Promise.allSettled([...this.#uploads]);
    if (!this.#failure) await this.#writeIndex().catch(() => {});
  }
}
