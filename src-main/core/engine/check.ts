import { openBlob, packName, type BlobLocation } from './pack';
import { storageId } from './crypto';
import { indexFileSchema, toIndexFile } from './repository-index';
import { ProgressTracker, type ProgressListener } from './progress';
import type { Repository } from './repository';
import { listSnapshots } from './snapshots';

export interface Damage {
  kind: 'snapshot' | 'index' | 'pack' | 'blob' | 'tree';
  id: string;
  message: string;
  /** Snapshots that depend on the damaged object, when known. */
  snapshots?: string[];
}

export interface CheckReport {
  snapshots: number;
  packs: number;
  blobs: number;
  packsRead: number;
  damage: Damage[];
}

export interface CheckOptions {
  /** Read this percentage (0-100) of the packs back and verify every blob in them. */
  readDataPercent?: number;
  onProgress?: ProgressListener;
}

/**
 * Verifies a repository: every snapshot and index decrypts; every tree and blob a snapshot
 * needs is indexed and its pack exists with the indexed size; with read-data, packs are read
 * whole and each blob is authenticated and matched to its id. Damage is named exactly.
 */
export async function checkRepository(cachedRepo: Repository, options: CheckOptions = {}): Promise<CheckReport> {
  // What storage holds is checked, never this computer's copy of it.
  const repo = cachedRepo.uncached();
  const progress = new ProgressTracker(options.onProgress);
  const damage: Damage[] = [];
  progress.phase = 'checking index files';
  progress.report(true);
  for (const id of await repo.listIds('index')) {
    try {
      indexFileSchema.parse(await repo.loadJson('index', id));
    } catch (error) {
      damage.push({ kind: 'index', id, message: `index file cannot be read: ${(error as Error).message}` });
    }
  }

  progress.phase = 'checking packs';
  const stored = new Map((await repo.backend.list('data')).map((o) => [o.name.slice('data/xx/'.length), o.size]));
  for (const [pack, info] of repo.index.packs) {
    const size = stored.get(pack);
    if (size === undefined) damage.push({ kind: 'pack', id: pack, message: 'pack is listed in the index but missing from storage' });
    else if (size !== info.size) damage.push({ kind: 'pack', id: pack, message: `pack is ${size} bytes, the index says ${info.size} (truncated or damaged)` });
  }

  progress.phase = 'checking snapshots and trees';
  const snapshots = await listSnapshots(repo, (id, error) => damage.push({ kind: 'snapshot', id, message: `snapshot cannot be read: ${(error as Error).message}` }));
  const damagedPacks = new Set(damage.filter((d) => d.kind === 'pack').map((d) => d.id));
  const usedBy = new Map<string, Set<string>>();
  const checkedTrees = new Set<string>();
  const blobProblem = (blob: string, snapshot: string, message: string) => {
    const existing = damage.find((d) => d.kind === 'blob' && d.id === blob);
    if (existing) existing.snapshots = [...new Set([...(existing.snapshots ?? []), snapshot])];
    else damage.push({ kind: 'blob', id: blob, message, snapshots: [snapshot] });
  };
  const need = (blob: string, snapshot: string) => {
    const location = repo.index.get(blob);
    if (!location) return blobProblem(blob, snapshot, 'blob is not in any index');
    if (damagedPacks.has(location.pack)) blobProblem(blob, snapshot, `blob is in damaged pack ${location.pack}`);
    const users = usedBy.get(location.pack) ?? new Set();
    users.add(snapshot);
    usedBy.set(location.pack, users);
  };
  const walk = async (tree: string, snapshot: string, path: string): Promise<void> => {
    need(tree, snapshot);
    if (checkedTrees.has(`${snapshot}:${tree}`)) return;
    checkedTrees.add(`${snapshot}:${tree}`);
    let nodes;
    try {
      nodes = (await repo.loadTree(tree, path)).nodes;
    } catch (error) {
      damage.push({ kind: 'tree', id: tree, message: `tree ${path || '/'} cannot be read: ${(error as Error).message}`, snapshots: [snapshot] });
      return;
    }
    for (const node of nodes) {
      const child = path ? `${path}/${node.name}` : node.name;
      if (node.type === 'file') for (const blob of node.content) need(blob, snapshot);
      else if (node.type === 'dir') await walk(node.subtree, snapshot, child);
    }
  };
  for (const snapshot of snapshots) await walk(snapshot.tree, snapshot.id, '');

  let packsRead = 0;
  const percent = options.readDataPercent ?? 0;
  if (percent > 0) {
    progress.phase = 'reading data';
    const candidates = [...repo.index.packs.keys()].filter((pack) => stored.has(pack)).sort();
    const chosen = percent >= 100 ? candidates : candidates.filter(() => Math.random() * 100 < percent);
    const blobsByPack = blobsOfPacks(repo);
    progress.filesTotal = chosen.length;
    progress.bytesTotal = chosen.reduce((sum, pack) => sum + (stored.get(pack) ?? 0), 0);
    for (const pack of chosen) {
      progress.bytesDone += await verifyPack(repo, pack, blobsByPack.get(pack) ?? [], [...(usedBy.get(pack) ?? [])], damage);
      packsRead++;
      progress.filesDone++;
      progress.report();
    }
  }
  progress.phase = 'done';
  progress.report(true);
  return { snapshots: snapshots.length, packs: repo.index.packs.size, blobs: repo.index.blobCount, packsRead, damage };
}

function blobsOfPacks(repo: Repository): Map<string, Array<[string, BlobLocation]>> {
  const blobsByPack = new Map<string, Array<[string, BlobLocation]>>();
  for (const [blob, location] of repo.index.entries()) {
    const list = blobsByPack.get(location.pack) ?? [];
    list.push([blob, location]);
    blobsByPack.set(location.pack, list);
  }
  return blobsByPack;
}

/** Reads a pack whole: its name must be its SHA-256 and every indexed blob must decrypt to its id. Returns the bytes read. */
async function verifyPack(repo: Repository, pack: string, blobs: Array<[string, BlobLocation]>, snapshots: string[], damage: Damage[]): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await repo.backend.read(packName(pack));
  } catch (error) {
    damage.push({ kind: 'pack', id: pack, message: `pack cannot be read: ${(error as Error).message}`, snapshots });
    return 0;
  }
  if (storageId(bytes) !== pack) damage.push({ kind: 'pack', id: pack, message: 'pack content does not match its name (SHA-256): damaged', snapshots });
  for (const [blob, location] of blobs) {
    try {
      await openBlob(repo.keys, blob, bytes.subarray(location.offset, location.offset + location.length), location.compression, location.rawLength, `pack ${pack}`);
    } catch (error) {
      damage.push({ kind: 'blob', id: blob, message: (error as Error).message, snapshots });
    }
  }
  return bytes.length;
}

/**
 * Reads back a sample of the packs one backup wrote (the newest data, the likeliest to be hit
 * by a bad upload), up to `maxBytes`, and verifies each one whole.
 */
export async function verifyWrittenPacks(repo: Repository, packs: readonly string[], maxBytes = 64 * 1024 * 1024): Promise<{ packsRead: number; bytesRead: number; damage: Damage[] }> {
  const damage: Damage[] = [];
  const blobsByPack = blobsOfPacks(repo);
  let bytesRead = 0;
  let packsRead = 0;
  // Every tree pack (small, and the snapshot is useless without them), then data packs in random order.
  const trees = packs.filter((p) => (blobsByPack.get(p) ?? []).some(([, l]) => l.type === 'tree'));
  const data = packs.filter((p) => !trees.includes(p)).sort(() => Math.random() - 0.5);
  for (const pack of [...trees, ...data]) {
    if (packsRead > 0 && bytesRead >= maxBytes) break;
    bytesRead += await verifyPack(repo, pack, blobsByPack.get(pack) ?? [], [], damage);
    packsRead++;
  }
  return { packsRead, bytesRead, damage };
}

/** Rebuilds the index from pack headers: for a lost or damaged index. */
export async function rebuildIndex(repo: Repository): Promise<{ packs: number; unreadable: string[] }> {
  const packs = [];
  const unreadable: string[] = [];
  for (const object of await repo.backend.list('data')) {
    const id = object.name.slice('data/xx/'.length);
    try {
      packs.push({ id, size: object.size, entries: await repo.readPackHeader(id, object.size) });
    } catch {
      unreadable.push(id);
    }
  }
  const old = await repo.listIds('index');
  await repo.saveJson('index', toIndexFile(packs, old));
  for (const id of old) await repo.backend.delete(`index/${id}`).catch(() => {});
  return { packs: packs.length, unreadable };
}
