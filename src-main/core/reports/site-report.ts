import type { CatalogData } from '../automation/catalog';
import type { Job } from '../contract/operations';
import { isSiteSnapshot, type SnapshotWithId } from '../engine/snapshots';
import type { Site } from '../settings/settings-store';
import { inMonth, type MonthRange } from './month';
import type { ClientReport, SiteReport } from './report-schema';

/** What was read from a site's repository: every snapshot in it, and the size of its data if listed. */
export interface RepositoryView {
  snapshots: readonly SnapshotWithId[];
  /** This installation, to tell its site from another installation's site of the same name. */
  installation: string | null;
  /** The bytes of its pack files (null: not listed). */
  dataBytes: number | null;
}

export interface SiteReportInput {
  site: Pick<Site, 'name' | 'tags' | 'destination' | 'copyTo'>;
  range: MonthRange;
  catalog: Pick<CatalogData, 'history' | 'jobs' | 'verifications'>;
  /** null: the site has no destination, or its repository could not be read (`repositoryError` says why). */
  repository: RepositoryView | null;
  repositoryError: string | null;
}

const isSafety = (s: SnapshotWithId) => s.tags.includes('safety');

/** The snapshot a job worked on: the id it resolved (its result), else the reference it was given. */
function jobSnapshot(job: Job): string | null {
  const resolved = job.result?.['snapshot'];
  if (typeof resolved === 'string') return resolved;
  const asked = job.request?.input['snapshot'];
  return typeof asked === 'string' ? asked : null;
}

/** Whether a reference (an id or a prefix of one, never "latest") names one of the ids. */
function namesOneOf(reference: string | null, ids: ReadonlySet<string>): boolean {
  if (!reference || !/^[0-9a-f]{4,64}$/.test(reference)) return false;
  if (ids.has(reference)) return true;
  for (const id of ids) if (id.startsWith(reference)) return true;
  return false;
}

/** One site's month, from the catalog (runs, jobs, verifications) and its repository (snapshots, size). */
export function siteReport({ site, range, catalog, repository, repositoryError }: SiteReportInput): SiteReport {
  const own = repository ? repository.snapshots.filter((s) => isSiteSnapshot(s, site.name, repository.installation)) : [];
  const regular = own.filter((s) => !isSafety(s));
  const siteRuns = catalog.history.filter((r) => r.site === site.name);
  // Verifications and folder restores name snapshots, not sites: a snapshot is the site's if its repository or its runs say so.
  const ids = new Set<string>([...own.map((s) => s.id), ...siteRuns.flatMap((r) => (r.snapshot ? [r.snapshot] : []))]);

  const runs = siteRuns
    .filter((r) => inMonth(range, r.started))
    .map((r) => ({
      started: r.started,
      finished: r.finished,
      kind: r.kind,
      // A snapshot whose read-back found damage was made, but is no good backup.
      status: r.status === 'succeeded' && !r.error ? ('succeeded' as const) : ('failed' as const),
      snapshot: r.snapshot,
      error: r.error ?? null,
    }))
    .sort((a, b) => a.started.localeCompare(b.started));

  const restores = catalog.jobs
    .filter((j) => j.kind === 'restore' && inMonth(range, j.started))
    .flatMap((j) => {
      const snapshot = jobSnapshot(j);
      const target = j.site === site.name ? ('site' as const) : j.site === null && j.request?.op === 'restore:toFolder' && namesOneOf(snapshot, ids) ? ('folder' as const) : null;
      if (!target) return [];
      return [{ started: j.started, finished: j.finished, status: j.status, target, snapshot, error: j.error?.message ?? null }];
    })
    .sort((a, b) => a.started.localeCompare(b.started));

  const destinations = new Set([site.destination, site.copyTo].filter((d): d is string => d !== null));
  const concerns = (v: CatalogData['verifications'][number]) => (v.snapshot ? ids.has(v.snapshot) : v.kind === 'scheduled-check' && destinations.has(v.destination));
  const verifications = catalog.verifications
    .filter((v) => inMonth(range, v.time) && concerns(v))
    .map((v) => ({ kind: v.kind, time: v.time, ok: v.ok, snapshot: v.snapshot, summary: v.summary, problems: v.problems.length }))
    .sort((a, b) => a.time.localeCompare(b.time));

  return {
    site: site.name,
    tags: [...site.tags],
    destination: site.destination,
    backups: { succeeded: runs.filter((r) => r.status === 'succeeded').length, failed: runs.filter((r) => r.status === 'failed').length, runs },
    kept: repository ? regular.filter((s) => inMonth(range, s.time)).map((s) => ({ id: s.id, time: s.time, kind: s.kind, files: s.stats.files, bytes: s.stats.bytes })) : null,
    restorePoints: repository ? regular.length : null,
    restores,
    verifications,
    storage: storageOf(own, repository),
    lastVerified: lastVerified(range, catalog.verifications, ids, own, siteRuns, repository !== null),
    repositoryError,
  };
}

function storageOf(own: readonly SnapshotWithId[], repository: RepositoryView | null): SiteReport['storage'] {
  if (!repository) return { bytes: null, method: null, repositoryBytes: null, sharedWith: 0 };
  const ownIds = new Set(own.map((s) => s.id));
  const others = new Set(repository.snapshots.filter((s) => !ownIds.has(s.id)).map((s) => `${s.site}\u0000${s.installation ?? ''}`));
  if (others.size === 0 && repository.dataBytes !== null) return { bytes: repository.dataBytes, method: 'repository', repositoryBytes: repository.dataBytes, sharedWith: 0 };
  return { bytes: own.reduce((sum, s) => sum + s.stats.bytes_added, 0), method: 'snapshots', repositoryBytes: repository.dataBytes, sharedWith: others.size };
}

/**
 * The latest of the site's snapshots (taken before the month's end) whose latest verification
 * by then, a read-back after its backup or a test restore, passed.
 */
function lastVerified(
  range: MonthRange,
  all: CatalogData['verifications'],
  ids: ReadonlySet<string>,
  own: readonly SnapshotWithId[],
  runs: CatalogData['history'],
  repositoryRead: boolean,
): SiteReport['lastVerified'] {
  const end = range.to.getTime();
  const latest = new Map<string, CatalogData['verifications'][number]>();
  for (const v of all) {
    if (!v.snapshot || !ids.has(v.snapshot) || v.kind === 'scheduled-check' || Date.parse(v.time) >= end) continue;
    const seen = latest.get(v.snapshot);
    if (!seen || v.time >= seen.time) latest.set(v.snapshot, v);
  }
  const timeOf = (id: string) => own.find((s) => s.id === id)?.time ?? runs.find((r) => r.snapshot === id)?.started ?? null;
  let best: NonNullable<SiteReport['lastVerified']> | null = null;
  for (const [snapshot, v] of latest) {
    if (!v.ok) continue;
    const time = timeOf(snapshot);
    if (time !== null && Date.parse(time) >= end) continue;
    const candidate = { snapshot, time, verified: v.time, kind: v.kind as 'after-backup' | 'test-restore', stillKept: repositoryRead ? own.some((s) => s.id === snapshot) : null };
    if (!best || (candidate.time ?? candidate.verified) > (best.time ?? best.verified)) best = candidate;
  }
  return best;
}

/** The report's figures over all its sites; a check of a destination that several sites share counts once. */
export function reportTotals(sites: readonly SiteReport[]): ClientReport['totals'] {
  const checks = new Map<string, SiteReport['verifications'][number]>();
  for (const v of sites.flatMap((s) => s.verifications)) checks.set(`${v.kind}|${v.time}|${v.snapshot ?? ''}|${v.summary}`, v);
  const unique = [...checks.values()];
  const sum = (values: Array<number | null>) => (values.every((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0));
  return {
    backups: sites.reduce((n, s) => n + s.backups.succeeded, 0),
    failed: sites.reduce((n, s) => n + s.backups.failed, 0),
    kept: sites.some((s) => s.kept === null) ? null : sites.reduce((n, s) => n + (s.kept?.length ?? 0), 0),
    restores: sites.reduce((n, s) => n + s.restores.length, 0),
    testRestores: unique.filter((v) => v.kind === 'test-restore').length,
    checks: unique.filter((v) => v.kind !== 'test-restore').length,
    problems: unique.filter((v) => !v.ok).length,
    storageBytes: sum(sites.map((s) => s.storage.bytes)),
  };
}
