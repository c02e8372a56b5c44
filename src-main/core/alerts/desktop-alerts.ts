import type { Job, ServiceHandlers } from '../contract/operations';

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
  const what = { backup: 'Backup failed', restore: 'Restore failed', verify: 'Verification failed', replicate: 'Copy to the second destination failed', download: 'Download failed', prune: 'Prune failed' }[job.kind];
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
 * Sites whose last good backup (not a safety snapshot) is older than `days`, or that have
 * none: read from each site's destination through the service API.
 */
export async function staleSites(handlers: Pick<ServiceHandlers, 'site:list' | 'repo:snapshots'>, days: number, now = Date.now()): Promise<Alert[]> {
  const alerts: Alert[] = [];
  for (const site of (await handlers['site:list']({})).sites) {
    if (!site.destination || site.environment === 'staging') continue;
    const { snapshots } = await handlers['repo:snapshots']({ destination: site.destination, site: site.name }).catch(() => ({ snapshots: [] }));
    const last = snapshots.filter((s) => !s.tags.includes('safety')).at(-1);
    const age = last ? (now - Date.parse(last.time)) / 86_400_000 : Infinity;
    if (age > days) {
      alerts.push({ title: `No recent backup of ${site.name}`, body: last ? `The last good backup is ${Math.floor(age)} days old.` : 'It has never been backed up.' });
    }
  }
  return alerts;
}
