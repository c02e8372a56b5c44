import { ApiError } from '../contract/errors';
import { lockRepository } from '../engine/locks';
import { prune } from '../engine/prune';
import type { Repository } from '../engine/repository';
import { applyRetention, type RetentionDecision } from '../engine/retention';
import { listSnapshots, type SnapshotWithId } from '../engine/snapshots';
import type { Site } from '../settings/settings-store';
import type { SiteSecrets } from '../sites/open-site';
import { backupSite } from '../sites/site-backup';
import type { Catalog, CatalogRun } from './catalog';
import { dueNow, effectiveSchedule } from './schedule';

const PRUNE_EVERY_MS = 7 * 86_400_000;
/** Safety snapshots (taken before restores) are kept this long, outside the GFS policy. */
const SAFETY_KEPT_MS = 30 * 86_400_000;

export interface RunDueDeps {
  sites: Site[];
  secretsOf: (site: string) => Promise<SiteSecrets>;
  openRepository: (destination: string) => Promise<Repository>;
  catalog: Catalog;
  now: Date;
  dryRun?: boolean;
  onLine?: (line: string) => void;
  /** Runs one backup; the app passes one that runs it as a job (progress on screen). */
  runBackup?: (site: Site, kind: 'both' | 'files' | 'database', run: () => Promise<string>) => Promise<string>;
}

export interface RunDueReport {
  now: string;
  due: Array<{ site: string; kind: 'both' | 'files' | 'database' }>;
  skipped: Array<{ site: string; reason: string }>;
  runs: CatalogRun[];
  pruned: string[];
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

/** Removes what the site's policy no longer keeps. */
async function applySitePolicy(repo: Repository, site: Site, now: Date): Promise<number> {
  const doomed = planRetention((await listSnapshots(repo)).filter((s) => s.site === site.name), site.retention, now).remove;
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
 * Runs everything that is due now: scheduled backups (files and database together when both
 * are due), then the site's retention policy, then a prune of each destination at most once
 * a week. One site's failure is recorded and the others still run.
 */
export async function runDue(deps: RunDueDeps): Promise<RunDueReport> {
  const { now, catalog } = deps;
  const say = deps.onLine ?? (() => {});
  const report: RunDueReport = { now: now.toISOString(), due: [], skipped: [], runs: [], pruned: [] };
  const touched = new Set<string>();
  for (const site of deps.sites) {
    const due = dueNow(effectiveSchedule(site), catalog.lastRuns(site.name), now);
    const wantDatabase = due.database && site.database.mode !== 'none';
    if (!due.files && !wantDatabase) continue;
    if (!site.destination) {
      report.skipped.push({ site: site.name, reason: 'no destination chosen for its backups' });
      continue;
    }
    const kind = due.files && wantDatabase ? 'both' : due.files ? 'files' : 'database';
    report.due.push({ site: site.name, kind });
    if (deps.dryRun) continue;
    const started = new Date().toISOString();
    const run: CatalogRun = { site: site.name, kind, started: now.toISOString(), finished: started, status: 'failed', snapshot: null, error: null, removed: 0 };
    say(`${site.name}: backing up (${kind === 'both' ? 'files and database' : kind})`);
    let repo: Repository | null = null;
    try {
      const opened = await deps.openRepository(site.destination);
      repo = opened;
      const backUp = async () => (await backupSite(opened, site, await deps.secretsOf(site.name), { scope: kind, time: now })).id;
      const id = deps.runBackup ? await deps.runBackup(site, kind, backUp) : await backUp();
      run.snapshot = id;
      run.status = 'succeeded';
      run.removed = await applySitePolicy(repo, site, now);
      touched.add(site.destination);
      say(`${site.name}: snapshot ${id.slice(0, 8)}${run.removed ? `, ${run.removed} old snapshots removed by its policy` : ''}`);
    } catch (error) {
      run.error = error instanceof Error ? error.message : String(error);
      say(`${site.name}: FAILED: ${run.error}`);
    } finally {
      await repo?.backend.close();
      run.finished = new Date().toISOString();
      catalog.record(run);
      report.runs.push(run);
      await catalog.save();
    }
  }
  for (const destination of touched) {
    const state = (catalog.data.destinations[destination] ??= { lastPrune: null });
    if (state.lastPrune && now.getTime() - Date.parse(state.lastPrune) < PRUNE_EVERY_MS) continue;
    const repo = await deps.openRepository(destination);
    try {
      await prune(repo);
      state.lastPrune = now.toISOString();
      report.pruned.push(destination);
      say(`${destination}: pruned`);
    } catch (error) {
      say(`${destination}: prune failed: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}`);
    } finally {
      await repo.backend.close();
    }
    await catalog.save();
  }
  return report;
}

