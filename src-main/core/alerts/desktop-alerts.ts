import { effectiveSchedule, latestFilesSlot, nextRun, type Schedule } from '../automation/schedule';
import type { Job } from '../contract/operations';
import type { Site } from '../settings/settings-store';

/** A desktop notification to show. */
export interface Alert {
  title: string;
  body: string;
}

/** The notification for a finished job, if it deserves one: failures only. */
export function alertForJob(job: Job): Alert | null {
  if (job.status !== 'failed') return null;
  const subject = job.title.replace(/^(Scheduled backup of|Scheduled check of|Back up|Restore|Check|Copy|Test restore from) /, '');
  if (job.error?.code === 'DAMAGE_FOUND') return { title: `Damage found: ${subject}`, body: job.error.message };
  if (job.error?.code === 'DATABASE_FAILED') return { title: `Database backup failed: ${subject}`, body: job.error.message };
  const what = { backup: 'Backup failed', restore: 'Restore failed', verify: 'Verification failed', replicate: 'Copy to the second destination failed', download: 'Download failed', prune: 'Prune failed' }[
    job.kind
  ];
  return { title: `${what}: ${subject}`, body: job.error?.message ?? 'No details.' };
}

/**
 * Tracks how many jobs run, for power-save blocking: `onChange(true)` when the first job
 * starts, `onChange(false)` when the last one ends.
 */
export class ActivityCounter {
  readonly #running = new Set<string>();

  constructor(private readonly onChange: (busy: boolean) => void) {}

  started(id: string): void {
    if (this.#running.has(id)) return;
    this.#running.add(id);
    if (this.#running.size === 1) this.onChange(true);
  }

  finished(id: string): void {
    if (!this.#running.delete(id)) return;
    if (this.#running.size === 0) this.onChange(false);
  }

  get count(): number {
    return this.#running.size;
  }
}

/**
 * Production sites (and any site with a schedule) whose last good files backup is older than
 * twice the time between two of its scheduled backups (a daily site: two days; a weekly one:
 * two weeks), or that were never backed up. Read from the catalog, so it works offline.
 */
export function staleSites(sites: ReadonlyArray<Pick<Site, 'name' | 'environment' | 'schedule'>>, lastFiles: (site: string) => string | null, now = Date.now()): Alert[] {
  const alerts: Alert[] = [];
  for (const site of sites) {
    const schedule = effectiveSchedule(site);
    const interval = expectedInterval(schedule, new Date(now));
    if (interval === null) continue;
    const last = lastFiles(site.name);
    const age = last ? now - Date.parse(last) : Infinity;
    if (age <= 2 * interval) continue;
    const days = Math.floor(age / 86_400_000);
    alerts.push({
      title: `No recent backup of ${site.name}`,
      body: last ? `The last good backup is ${days} day${days === 1 ? '' : 's'} old; it is expected ${describeInterval(interval)}.` : 'It has never been backed up.',
    });
  }
  return alerts;
}

/** The time between two scheduled file backups around `now`, or null when the files have no schedule. */
export function expectedInterval(schedule: Schedule | null, now: Date): number | null {
  if (!schedule?.files.enabled) return null;
  const previous = latestFilesSlot(schedule.files, now);
  const next = nextRun({ ...schedule, database: { ...schedule.database, enabled: false } }, now);
  if (!next || previous.getTime() === 0) return null;
  return next.getTime() - previous.getTime();
}

function describeInterval(ms: number): string {
  const hours = Math.round(ms / 3_600_000);
  if (hours % 24 === 0) return hours === 24 ? 'every day' : `every ${hours / 24} days`;
  return `every ${hours} hours`;
}
