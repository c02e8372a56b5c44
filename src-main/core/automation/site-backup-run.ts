import { ApiError, toErrorPayload } from '../contract/errors';
import { verifyWrittenPacks } from '../engine/check';
import { copySnapshots } from '../engine/copy';
import { lockRepository } from '../engine/locks';
import type { ProgressListener } from '../engine/progress';
import type { Repository } from '../engine/repository';
import { applyRetention, type RetentionDecision } from '../engine/retention';
import { isSiteSnapshot, listSnapshots, type Snapshot, type SnapshotWithId } from '../engine/snapshots';
import type { Warning } from '../engine/source';
import type { VerificationPreferences } from '../settings/preferences';
import type { Destinations } from '../destinations';
import type { SettingsStore, Site } from '../settings/settings-store';
import type { SiteSecrets } from '../sites/open-site';
import { backupSite } from '../sites/site-backup';
import type { SiteStore } from '../sites/site-store';
import type { Catalog } from './catalog';
import { refreshSiteSummary } from './site-summary';

/** Safety snapshots (taken before restores) are kept this long, outside the GFS policy. */
const SAFETY_KEPT_MS = 30 * 86_400_000;

export interface BackupRunEnv {
  openRepository: (destination: string) => Promise<Repository>;
  secretsOf: (site: string) => Promise<SiteSecrets>;
  catalog: Catalog;
  verification: VerificationPreferences;
}

/** What a backup run needs from the core: repositories, a site's secrets, the catalog, the verification settings. */
export function backupRunEnv(core: { destinations: Destinations; sites: SiteStore; catalog: Catalog; settings: SettingsStore }): BackupRunEnv {
  return {
    openRepository: (destination) => core.destinations.openRepository(destination),
    secretsOf: (name) => core.sites.secretsOf(name),
    catalog: core.catalog,
    verification: core.settings.data.preferences.verification,
  };
}

export interface BackupRunOptions {
  kind: 'both' | 'files' | 'database';
  tags?: string[];
  /** The snapshot's time (the scheduled slot's clock in tests). */
  time?: Date;
  /** Apply the site's retention policy after the backup (scheduled runs do). */
  applyPolicy?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface ReplicationReport {
  destination: string;
  copied: number;
  removed: number;
  error: string | null;
}

/** Warnings a report carries at most (the snapshot keeps them all). */
const REPORTED_WARNINGS = 1000;

export interface BackupRunReport {
  snapshot: string;
  time: string;
  site: string;
  kind: 'both' | 'files' | 'database';
  stats: Snapshot['stats'];
  warningList: Warning[];
  files: number;
  bytes: number;
  warnings: number;
  removed: number;
  verified: { packsRead: number; bytesRead: number; problems: string[] } | null;
  replication: ReplicationReport | null;
  /** Why the database could not be dumped (the snapshot holds the files alone); null when it was, or was not asked for. */
  databaseError: string | null;
}

/** What a site's policy keeps and removes: GFS for its backups; safety snapshots age out after 30 days. */
export function planRetention(snapshots: readonly SnapshotWithId[], retention: Site['retention'], now: Date): RetentionDecision {
  const regular = snapshots.filter((s) => !s.tags.includes('safety'));
  const safety = snapshots.filter((s) => s.tags.includes('safety'));
  const expired = (s: SnapshotWithId) => now.getTime() - Date.parse(s.time) > SAFETY_KEPT_MS;
  const decision = applyRetention(regular, retention);
  return {
    keep: [...decision.keep, ...safety.filter((s) => !expired(s)).map((snapshot) => ({ snapshot, reasons: ['safety snapshot (kept 30 days)'] }))],
    remove: [...decision.remove, ...safety.filter(expired)],
  };
}

/** Removes the site's snapshots its policy no longer keeps (the data goes at the next prune). */
export async function applySitePolicy(repo: Repository, site: Site, now: Date): Promise<number> {
  const doomed = planRetention(
    (await listSnapshots(repo)).filter((s) => isSiteSnapshot(s, site.name, repo.installation)),
    site.retention,
    now,
  ).remove;
  if (doomed.length === 0) return 0;
  const lock = await lockRepository(repo, 'forget', true);
  try {
    for (const s of doomed) await repo.backend.delete(`snapshots/${s.id}`);
  } finally {
    await lock.release();
  }
  return doomed.length;
}

/**
 * Copies the site's snapshots that its second destination lacks (only missing data travels),
 * then applies the site's policy there too, so both keep the same set.
 */
export async function replicateSite(source: Repository, env: Pick<BackupRunEnv, 'openRepository' | 'catalog'>, site: Site, now: Date, onProgress?: ProgressListener): Promise<ReplicationReport> {
  const destination = site.copyTo!;
  const replica = await env.openRepository(destination);
  try {
    const copy = await copySnapshots(source, replica, { site: site.name, onProgress });
    const removed = await applySitePolicy(replica, site, now);
    await env.catalog.recordCopy(site.name, now.toISOString());
    return { destination, copied: copy.copied.length, removed, error: null };
  } finally {
    await replica.backend.close();
  }
}

/** Records the summary of the site's snapshots; a summary that cannot be read is left for the next run (it is a view, not the record). */
async function refreshSummary(env: BackupRunEnv, repo: Repository, site: Site, wordpress: boolean): Promise<void> {
  try {
    await refreshSiteSummary(env.catalog, repo, site.name, site.destination!, wordpress);
  } catch {
    // The run itself is recorded; the dashboard shows the previous summary until the next change.
  }
}

/**
 * One backup of a site, as the app and `run-due` make it: back up, read a sample of what was
 * written back, apply the policy (scheduled runs), record it in the catalog (the run and the
 * summary of the site's snapshots), and copy it to the site's second destination. Damage
 * found in the sample fails the run (the snapshot is there, but its data must not be
 * trusted); a database that could not be dumped fails it (the files were saved, in a snapshot
 * marked `database-missing`); a failed copy fails it too, after the catalog has recorded the
 * backup itself.
 */
export async function runSiteBackup(env: BackupRunEnv, site: Site, options: BackupRunOptions): Promise<BackupRunReport> {
  if (!site.destination) throw new ApiError('BAD_REQUEST', `${site.name} has no destination for its backups yet: choose one in its settings.`);
  const now = options.time ?? new Date();
  const started = new Date().toISOString();
  const startedMs = Date.now();
  // On an injected clock (run-due --now), the run ends on that clock too, so retries are timed on it.
  const finishedAt = () => (options.time ? new Date(now.getTime() + Date.now() - startedMs) : new Date()).toISOString();
  const opening = env.openRepository(site.destination);
  opening.catch(() => {});
  let repo: Repository | null = null;
  let recorded = false;
  try {
    const result = await backupSite(opening, site, await env.secretsOf(site.name), {
      scope: options.kind,
      time: options.time,
      tags: options.tags,
      signal: options.signal,
      onProgress: options.onProgress,
      noteDatabaseSettings: (found) => env.catalog.noteDatabaseSettings(site.name, found, now.toISOString()),
    });
    repo = await opening;
    const s = result.snapshot;
    const report: BackupRunReport = {
      snapshot: result.id,
      time: s.time,
      site: s.site,
      kind: s.kind,
      stats: s.stats,
      warningList: s.warnings.slice(0, REPORTED_WARNINGS),
      files: s.stats.files,
      bytes: s.stats.bytes,
      warnings: s.warnings.length,
      removed: 0,
      verified: null,
      replication: null,
      databaseError: result.databaseError?.message ?? null,
    };
    const record = async (failure: ApiError | null) => {
      recorded = true;
      await env.catalog.recordRun(
        {
          site: site.name,
          kind: options.kind,
          started: options.time ? now.toISOString() : started,
          finished: finishedAt(),
          // Damage found is recorded as made (the schedule must not retry every minute); a missing database as failed.
          status: result.databaseError ? 'failed' : 'succeeded',
          snapshot: result.id,
          error: failure?.message ?? null,
          code: failure?.code ?? null,
          hint: failure?.hint ?? null,
          removed: report.removed,
        },
        { filesSaved: true },
      );
      await refreshSummary(env, repo!, site, result.wordpress);
    };

    if (env.verification.sampleAfterBackup) {
      options.onProgress?.({ phase: 'reading back what was written', filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null, bytesPerSecond: 0, etaSeconds: null, currentPath: null });
      const sample = await verifyWrittenPacks(repo, result.packs);
      report.verified = { packsRead: sample.packsRead, bytesRead: sample.bytesRead, problems: sample.damage.map((d) => `${d.kind} ${d.id}: ${d.message}`) };
      await env.catalog.recordVerification({
        kind: 'after-backup',
        destination: site.destination,
        snapshot: result.id,
        time: new Date().toISOString(),
        ok: sample.damage.length === 0,
        summary: `${sample.packsRead} of ${result.packs.length} new packs read back (${sample.bytesRead} bytes)`,
        problems: report.verified.problems,
      });
      if (sample.damage.length > 0) {
        const message = `Snapshot ${result.id.slice(0, 8)} was written, but reading it back found damage: ${report.verified.problems[0]}. Check ${site.destination}'s storage and run a full check.`;
        const damage = new ApiError('DAMAGE_FOUND', message);
        await record(damage);
        throw Object.assign(damage, { report });
      }
    }
    // A snapshot without its database does not count against the good ones: the policy waits for a complete backup.
    if (options.applyPolicy && !result.databaseError) report.removed = await applySitePolicy(repo, site, now);
    await record(result.databaseError);
    if (site.copyTo && site.copyWhen === 'after-backup') {
      try {
        report.replication = await replicateSite(repo, env, site, now, options.onProgress);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report.replication = { destination: site.copyTo, copied: 0, removed: 0, error: message };
        if (!result.databaseError) throw Object.assign(new ApiError('COPY_FAILED', `Backed up (snapshot ${result.id.slice(0, 8)}), but the copy to ${site.copyTo} failed: ${message}`), { report });
      }
    }
    if (result.databaseError) throw Object.assign(result.databaseError, { report });
    return report;
  } catch (error) {
    if (!recorded) {
      const { code, message, hint } = toErrorPayload(error);
      await env.catalog.recordRun({
        site: site.name,
        kind: options.kind,
        started: options.time ? now.toISOString() : started,
        finished: finishedAt(),
        status: 'failed',
        snapshot: null,
        error: message,
        code,
        hint: hint ?? null,
        removed: 0,
      });
    }
    throw error;
  } finally {
    const opened = repo ?? (await opening.catch(() => null));
    await opened?.backend.close();
  }
}
