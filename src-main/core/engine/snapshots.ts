import { z } from 'zod';
import { ApiError } from '../contract/errors';
import type { Repository } from './repository';

/**
 * `snapshots/<id>`: one backup of one site. Written last: its presence is the commit point,
 * so a snapshot that is listed is complete.
 */
export const snapshotSchema = z.object({
  version: z.literal(1),
  time: z.string(),
  site: z.string(),
  hostname: z.string(),
  /** The installation (data folder) that made it; absent in snapshots from before installations were recorded. */
  installation: z.string().nullable().optional(),
  tags: z.array(z.string()),
  kind: z.enum(['files', 'database', 'both']),
  parent: z.string().nullable(),
  tree: z.string().regex(/^[0-9a-f]{64}$/),
  source: z.string(),
  stats: z.object({
    files: z.number(),
    dirs: z.number(),
    bytes: z.number(),
    files_new: z.number(),
    files_changed: z.number(),
    files_unchanged: z.number(),
    bytes_read: z.number(),
    bytes_added: z.number(),
    duration_s: z.number(),
  }),
  warnings: z.array(z.object({ path: z.string(), message: z.string() })),
  /** Set on copies: the id of the snapshot this one was copied from. */
  original: z.string().nullable().default(null),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotWithId = Snapshot & { id: string };

/**
 * Whether a snapshot is of this installation's site of that name: sites are told apart by name
 * and installation, so another installation's site of the same name in a shared repository is
 * not this one. A snapshot that records no installation (older ones) counts for every one.
 */
export function isSiteSnapshot(snapshot: Snapshot, site: string, installation: string | null): boolean {
  return snapshot.site === site && (installation === null || snapshot.installation == null || snapshot.installation === installation);
}

export async function loadSnapshot(repo: Repository, id: string): Promise<SnapshotWithId> {
  return { ...snapshotSchema.parse(await repo.loadJson('snapshots', id)), id };
}

/** Every snapshot, oldest first. Damaged ones are reported through `onDamaged`, not hidden. */
export async function listSnapshots(repo: Repository, onDamaged?: (id: string, error: unknown) => void): Promise<SnapshotWithId[]> {
  const ids = await repo.listIds('snapshots');
  await repo.retainCached('snapshots', ids);
  const loaded = await Promise.all(
    ids.map(async (id) => {
      try {
        return await loadSnapshot(repo, id);
      } catch (error) {
        if (!onDamaged) throw error;
        onDamaged(id, error);
        return null;
      }
    }),
  );
  return loaded.filter((s): s is SnapshotWithId => s !== null).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
}

/** A unique id prefix, or `latest` (optionally of one site, and skipping snapshots with a tag). */
export async function resolveSnapshot(repo: Repository, reference: string, site?: string, skipTag?: string): Promise<SnapshotWithId> {
  if (reference === 'latest') {
    const all = (await listSnapshots(repo)).filter((s) => (!site || s.site === site) && (!skipTag || !s.tags.includes(skipTag)));
    const last = all.at(-1);
    if (!last) throw new ApiError('NOT_FOUND', site ? `No snapshot of site ${site} in ${repo.location}.` : `No snapshots in ${repo.location}.`);
    return last;
  }
  if (!/^[0-9a-f]{4,64}$/.test(reference)) {
    throw new ApiError('BAD_REQUEST', `Snapshot must be an id (at least 4 hex characters) or "latest", got ${JSON.stringify(reference)}.`);
  }
  const matches = (await repo.listIds('snapshots')).filter((id) => id.startsWith(reference));
  if (matches.length === 0) throw new ApiError('NOT_FOUND', `No snapshot ${reference} in ${repo.location}.`);
  if (matches.length > 1) throw new ApiError('BAD_REQUEST', `Snapshot prefix ${reference} is ambiguous (${matches.length} match); give more characters.`);
  return loadSnapshot(repo, matches[0]!);
}
