import { ApiError } from '../contract/errors';
import { lockRepository, removeStaleLocks } from './locks';
import { packName } from './pack';
import { ProgressTracker, type ProgressListener } from './progress';
import type { Repository } from './repository';
import { toIndexFile, type PackRecord } from './repository-index';
import { listSnapshots } from './snapshots';
import { usedBlobs } from './usage';

export interface PruneReport {
  packsDeleted: number;
  packsRepacked: number;
  packsKept: number;
  bytesFreed: number;
  staleLocksRemoved: number;
}

/** Repack a partly used pack when at least this share of its bytes is garbage. */
const REPACK_THRESHOLD = 0.5;

/**
 * Removes data no snapshot needs, under an exclusive lock (so no backup runs meanwhile).
 * Order keeps the repository valid at every step: write repacked blobs into new packs,
 * write the new index, delete the old index files, and only then delete the old packs.
 */
export async function prune(repo: Repository, options: { onProgress?: ProgressListener } = {}): Promise<PruneReport> {
  const progress = new ProgressTracker(options.onProgress);
  if (repo.damagedIndexFiles.length > 0) {
    // Packs listed only in a damaged index would look unused: deleting them would lose data.
    throw new ApiError('BAD_REQUEST', `Refusing to prune: index files are damaged (${repo.damagedIndexFiles.join(', ')}).`, { hint: 'repair-index' });
  }
  const staleLocksRemoved = (await removeStaleLocks(repo)).length;
  const lock = await lockRepository(repo, 'prune', true);
  try {
    progress.phase = 'finding used data';
    progress.report(true);
    const used = await usedBlobs(repo, await listSnapshots(repo));
    const stored = new Map((await repo.backend.list('data')).map((o) => [o.name.slice('data/xx/'.length), o.size]));

    const packs = new Map<string, { used: PackRecord['entries']; unusedBytes: number; size: number }>();
    for (const [blob, location] of repo.index.entries()) {
      const pack = packs.get(location.pack) ?? { used: [], unusedBytes: 0, size: repo.index.packs.get(location.pack)?.size ?? 0 };
      if (used.has(blob)) pack.used.push({ id: blob, ...location });
      else pack.unusedBytes += location.length;
      packs.set(location.pack, pack);
    }

    const keep: PackRecord[] = [];
    const remove: string[] = [];
    const repack: string[] = [];
    for (const [id, pack] of packs) {
      if (!stored.has(id)) continue;
      if (pack.used.length === 0) remove.push(id);
      else if (pack.unusedBytes / Math.max(1, pack.size) >= REPACK_THRESHOLD) repack.push(id);
      else keep.push({ id, size: pack.size, entries: pack.used.map(({ id: blobId, type, offset, length, rawLength, compression }) => ({ id: blobId, type, offset, length, rawLength, compression })) });
    }
    // Packs no index lists: left by interrupted backups. Nothing can use them.
    const orphans = [...stored.keys()].filter((id) => !packs.has(id));

    progress.phase = 'repacking';
    const writer = repo.newBlobWriter();
    for (const id of repack) {
      for (const entry of packs.get(id)!.used) {
        await writer.save(entry.type, await repo.readBlob(entry.id), entry.id, { evenIfIndexed: true });
      }
    }
    await writer.flush();

    progress.phase = 'writing the new index';
    // One index for the packs that stay (their used blobs) and the new ones, in files of at
    // most 1,000 packs; the old index files go only after these exist.
    const records = [...keep, ...writer.written];
    const oldIndexes = await repo.listIds('index');
    const newIndexIds = new Set<string>();
    for (let i = 0; i < records.length; i += 1000) newIndexIds.add((await repo.saveJson('index', toIndexFile(records.slice(i, i + 1000)))).id);
    for (const id of oldIndexes) if (!newIndexIds.has(id)) await repo.backend.delete(`index/${id}`);

    progress.phase = 'deleting unused packs';
    let bytesFreed = 0;
    for (const id of [...remove, ...repack, ...orphans]) {
      bytesFreed += stored.get(id) ?? 0;
      await repo.backend.delete(packName(id));
    }
    progress.phase = 'done';
    progress.report(true);
    return { packsDeleted: remove.length + orphans.length, packsRepacked: repack.length, packsKept: keep.length, bytesFreed, staleLocksRemoved };
  } finally {
    await lock.release();
  }
}
