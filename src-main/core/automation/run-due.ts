import { staleSites, type Alert } from '../alerts/desktop-alerts';
import { ApiError } from '../contract/errors';
import { checkRepository } from '../engine/check';
import { prune } from '../engine/prune';
import type { ProgressListener } from '../engine/progress';
import { backoffDelay } from '../retry/retry';
import type { Repository } from '../engine/repository';
import type { VerificationPreferences } from '../settings/preferences';
import type { Site } from '../settings/settings-store';
import type { SiteSecrets } from '../sites/open-site';
import type { JobRequest } from '../jobs/job-runner';
import type { Catalog, CatalogRun } from './catalog';
import { dueNow, effectiveSchedule, latestDailySlot } from './schedule';
import { replicateSite, runSiteBackup, type BackupRunReport } from './site-backup-run';

export { planRetention } from './site-backup-run';

const PRUNE_EVERY_MS = 7 * 86_400_000;
/** After a failed scheduled backup, the next try waits 15 min, then 30, 60, … up to 6 hours. */
const RETRY_FIRST_MS = 15 * 60_000;
const RETRY_MAX_MS = 6 * 3_600_000;

/** When a site whose last scheduled runs failed may be tried again (null: no failure to wait after). */
export function retryAfter(history: readonly CatalogRun[], site: string): Date | null {
  let failures = 0;
  let last: CatalogRun | null = null;
  for (let i = history.length - 1; i >= 0; i--) {
    const run = history[i]!;
    if (run.site !== site) continue;
    if (run.status !== 'failed') break;
    last ??= run;
    failures++;
  }
  if (!last) return null;
  return new Date(Date.parse(last.finished) + backoffDelay(failures - 1, { baseDelayMs: RETRY_FIRST_MS, maxDelayMs: RETRY_MAX_MS, jitter: false }));
}

export interface RunDueDeps {
  sites: Site[];
  secretsOf: (site: string) => Promise<SiteSecrets>;
  openRepository: (destination: string) => Promise<Repository>;
  catalog: Catalog;
  verification: VerificationPreferences;
  now: Date;
  dryRun?: boolean;
  onLine?: (line: string) => void;
  /** Runs one piece of work; the app passes one that runs it as a job (queue, progress on screen). */
  asJob?: <T>(
    spec: { kind: 'backup' | 'verify' | 'replicate'; title: string; site: string | null; request: JobRequest },
    work: (context: { signal?: AbortSignal; onProgress?: ProgressListener }) => Promise<T>,
  ) => Promise<T>;
}

export interface ScheduledCheck {
  destination: string;
  ok: boolean;
  snapshots: number;
  packsRead: number;
  problems: string[];
  error: string | null;
}

export interface ScheduledCopy {
  site: string;
  destination: string;
  status: 'succeeded' | 'failed';
  copied: number;
  error: string | null;
}

export interface RunDueReport {
  now: string;
  due: Array<{ site: string; kind: 'both' | 'files' | 'database' }>;
  skipped: Array<{ site: string; reason: string }>;
  runs: Array<CatalogRun & { report: BackupRunReport | null }>;
  pruned: string[];
  checks: ScheduledCheck[];
  /** Copies to second destinations made on their own daily schedule (not after each backup). */
  copies: ScheduledCopy[];
  /** Sites with no good backup within twice their expected interval, after this run. */
  stale: Alert[];
}

const direct: NonNullable<RunDueDeps['asJob']> = (_spec, work) => work({});

/**
 * Runs everything that is due now: scheduled backups (files and database together when both
 * are due), each with its read-back sample, its site's retention policy and its copy to the
 * second destination; then a prune of each destination at most once a week; then the
 * scheduled full check of each destination whose turn it is. One site's failure is recorded
 * and the others still run.
 */
export async function runDue(deps: RunDueDeps): Promise<RunDueReport> {
  const { now, catalog } = deps;
  const say = deps.onLine ?? (() => {});
  const asJob = deps.asJob ?? direct;
  const report: RunDueReport = { now: now.toISOString(), due: [], skipped: [], runs: [], pruned: [], checks: [], copies: [], stale: [] };
  const touched = new Set<string>();
  const state = await catalog.read();
  for (const site of deps.sites) {
    const due = dueNow(effectiveSchedule(site), state.sites[site.name] ?? {}, now);
    const wantDatabase = due.database && site.database.mode !== 'none';
    if (!due.files && !wantDatabase) continue;
    if (!site.destination) {
      report.skipped.push({ site: site.name, reason: 'no destination chosen for its backups' });
      continue;
    }
    const kind = due.files && wantDatabase ? 'both' : due.files ? 'files' : 'database';
    const waitUntil = retryAfter(state.history, site.name);
    if (waitUntil && waitUntil > now) {
      report.skipped.push({ site: site.name, reason: `its last backup failed; next try after ${waitUntil.toISOString()}` });
      continue;
    }
    report.due.push({ site: site.name, kind });
    if (deps.dryRun) continue;
    const run: RunDueReport['runs'][number] = { site: site.name, kind, started: now.toISOString(), finished: now.toISOString(), status: 'failed', snapshot: null, error: null, removed: 0, report: null };
    say(`${site.name}: backing up (${kind === 'both' ? 'files and database' : kind})`);
    try {
      const result = await asJob(
        { kind: 'backup', title: `Scheduled backup of ${site.name}`, site: site.name, request: { op: 'backup:run', input: { site: site.name, scope: kind } } },
        ({ signal, onProgress }) => runSiteBackup(deps, site, { kind, time: now, applyPolicy: true, signal, onProgress }),
      );
      Object.assign(run, { status: 'succeeded', snapshot: result.snapshot, removed: result.removed, report: result });
      touched.add(site.destination);
      if (site.copyTo) touched.add(site.copyTo);
      const copied = result.replication ? `, ${result.replication.copied} copied to ${result.replication.destination}` : '';
      say(`${site.name}: snapshot ${result.snapshot.slice(0, 8)}${result.removed ? `, ${result.removed} old snapshots removed by its policy` : ''}${copied}`);
    } catch (error) {
      run.error = error instanceof Error ? error.message : String(error);
      run.report = (error as { report?: BackupRunReport }).report ?? null;
      // A snapshot may have been made (files saved without their database, damage found on reading back).
      run.snapshot = run.report?.snapshot ?? null;
      say(`${site.name}: FAILED: ${run.error}`);
    } finally {
      run.finished = new Date().toISOString();
      report.runs.push(run);
    }
  }
  if (deps.dryRun) return report;
  await runScheduledCopies(deps, report, asJob, touched);
  for (const destination of touched) {
    const last = (await catalog.read()).destinations[destination]?.lastPrune;
    if (last && now.getTime() - Date.parse(last) < PRUNE_EVERY_MS) continue;
    const repo = await deps.openRepository(destination);
    try {
      await prune(repo);
      await catalog.update((data) => {
        (data.destinations[destination] ??= { lastPrune: null, lastCheck: null }).lastPrune = now.toISOString();
      });
      report.pruned.push(destination);
      say(`${destination}: pruned`);
    } catch (error) {
      say(`${destination}: prune failed: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}`);
    } finally {
      await repo.backend.close();
    }
  }
  await runScheduledChecks(deps, report, asJob);
  const after = await catalog.read();
  report.stale = staleSites(deps.sites, (site) => after.sites[site]?.files ?? null, now.getTime());
  return report;
}

/** Copies to second destinations whose daily copy time has come (sites that do not copy after each backup). */
async function runScheduledCopies(deps: RunDueDeps, report: RunDueReport, asJob: NonNullable<RunDueDeps['asJob']>, touched: Set<string>): Promise<void> {
  const state = await deps.catalog.read();
  for (const site of deps.sites) {
    if (!site.copyTo || !site.destination || site.copyWhen !== 'daily') continue;
    const last = state.sites[site.name]?.copy;
    if (last && Date.parse(last) >= latestDailySlot(site.copyAt, deps.now).getTime()) continue;
    const copy: ScheduledCopy = { site: site.name, destination: site.copyTo, status: 'failed', copied: 0, error: null };
    deps.onLine?.(`${site.name}: copying to ${site.copyTo}`);
    try {
      const source = site.destination;
      const result = await asJob({ kind: 'replicate', title: `Copy ${site.name} to ${site.copyTo}`, site: site.name, request: { op: 'replication:run', input: { site: site.name } } }, async ({ onProgress }) => {
        const repo = await deps.openRepository(source);
        try {
          return await replicateSite(repo, deps, site, deps.now, onProgress);
        } finally {
          await repo.backend.close();
        }
      });
      Object.assign(copy, { status: 'succeeded', copied: result.copied });
      touched.add(site.copyTo);
      deps.onLine?.(`${site.name}: ${result.copied} snapshots copied to ${site.copyTo}`);
    } catch (error) {
      copy.error = error instanceof Error ? error.message : String(error);
      deps.onLine?.(`${site.name}: copy to ${site.copyTo} FAILED: ${copy.error}`);
    }
    report.copies.push(copy);
  }
}

/** The weekly (by default) full check of every destination a site uses, reading back a share of the data. */
async function runScheduledChecks(deps: RunDueDeps, report: RunDueReport, asJob: NonNullable<RunDueDeps['asJob']>): Promise<void> {
  const { verification, now, catalog } = deps;
  if (verification.checkEveryDays <= 0) return;
  const destinations = new Set(deps.sites.flatMap((s) => [s.destination, s.copyTo]).filter((d): d is string => d !== null));
  const state = await catalog.read();
  for (const destination of destinations) {
    const last = state.destinations[destination]?.lastCheck;
    if (last && now.getTime() - Date.parse(last) < verification.checkEveryDays * 86_400_000 - 3_600_000) continue;
    const check: ScheduledCheck = { destination, ok: false, snapshots: 0, packsRead: 0, problems: [], error: null };
    deps.onLine?.(`${destination}: checking (reading ${verification.readDataPercent}% of the data)`);
    try {
      await asJob(
        { kind: 'verify', title: `Scheduled check of ${destination}`, site: null, request: { op: 'repo:check', input: { destination, readDataPercent: verification.readDataPercent } } },
        async ({ onProgress }) => {
          const repo = await deps.openRepository(destination);
          try {
            const result = await checkRepository(repo, { readDataPercent: verification.readDataPercent, onProgress });
            Object.assign(check, { snapshots: result.snapshots, packsRead: result.packsRead, problems: result.damage.map((d) => `${d.kind} ${d.id}: ${d.message}`), ok: result.damage.length === 0 });
          } finally {
            await repo.backend.close();
          }
          if (!check.ok) throw new ApiError('DAMAGE_FOUND', `${check.problems.length} problems found in ${destination}, first: ${check.problems[0]}`);
        },
      );
    } catch (error) {
      if (check.ok || check.problems.length === 0) check.error = error instanceof Error ? error.message : String(error);
    }
    await catalog.recordVerification({
      kind: 'scheduled-check',
      destination,
      snapshot: null,
      time: now.toISOString(),
      ok: check.ok && !check.error,
      summary: check.error ? `the check could not run: ${check.error}` : `${check.snapshots} snapshots, ${check.packsRead} packs read back (${verification.readDataPercent}%)`,
      problems: check.problems,
    });
    deps.onLine?.(`${destination}: ${check.ok ? 'no problems' : check.error ? `check failed: ${check.error}` : `DAMAGE: ${check.problems.length} problems, first: ${check.problems[0]}`}`);
    report.checks.push(check);
  }
}
