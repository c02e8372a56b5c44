import type { Repository } from '../engine/repository';
import { isSiteSnapshot, listSnapshots, type Snapshot, type SnapshotWithId } from '../engine/snapshots';
import type { Catalog, SiteSummary } from './catalog';

/** The tag of a snapshot that holds a site's files without the database it was asked to hold. */
export const DATABASE_MISSING_TAG = 'database-missing';

function isOwn(snapshot: Snapshot): boolean {
  return !snapshot.tags.includes('safety');
}

/** The summary of a site's own snapshots (oldest first), as the catalog keeps it. */
export function summarizeSnapshots(snapshots: readonly SnapshotWithId[], destination: string, wordpress: boolean | null, now = new Date()): SiteSummary {
  const own = snapshots.filter(isOwn);
  const last = own.at(-1);
  const withDatabase = own.filter((s) => s.kind !== 'files' && !s.tags.includes(DATABASE_MISSING_TAG)).at(-1);
  return {
    destination,
    snapshots: own.length,
    latest: last ? { id: last.id, time: last.time, kind: last.kind, bytes: last.stats.bytes, warnings: last.warnings.length, databaseMissing: last.tags.includes(DATABASE_MISSING_TAG) } : null,
    lastDatabase: withDatabase?.time ?? null,
    wordpress,
    updated: now.toISOString(),
  };
}

/**
 * Reads the site's snapshots in `repo` (its destination) and records their summary: after a
 * backup, a forget or a retention policy changed them. `wordpress` is what the backup found;
 * null keeps what was known.
 */
export async function refreshSiteSummary(catalog: Catalog, repo: Repository, site: string, destination: string, wordpress: boolean | null = null): Promise<SiteSummary> {
  const snapshots = (await listSnapshots(repo)).filter((s) => isSiteSnapshot(s, site, repo.installation));
  const summary = summarizeSnapshots(snapshots, destination, wordpress);
  await catalog.recordSummary(site, summary);
  return summary;
}
