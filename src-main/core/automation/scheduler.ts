import { emailRunReport } from '../alerts/run-report';
import type { Destinations } from '../destinations';
import type { JobRunner } from '../jobs/job-runner';
import type { SecretStore } from '../secrets/keychain';
import type { SettingsStore } from '../settings/settings-store';
import type { SiteStore } from '../sites/site-store';
import type { Catalog } from './catalog';
import { runDue, type RunDueDeps, type RunDueReport } from './run-due';
import { backupRunEnv } from './site-backup-run';

/** The long-lived parts of the core the scheduler works with. */
export interface SchedulerCore {
  settings: SettingsStore;
  secrets: SecretStore;
  destinations: Destinations;
  sites: SiteStore;
  catalog: Catalog;
  jobs: JobRunner;
}

export interface DueRun {
  report: RunDueReport;
  /** The email report: sent, nothing to send, off (none set, or a dry run), or failed (`emailError` says why). */
  email: Awaited<ReturnType<typeof emailRunReport>> | 'failed';
  emailError: Error | null;
}

/**
 * Runs everything due for this profile's sites and destinations, then sends the email report
 * when one is set: each tick of the app's scheduler, and `run-due` from cron or a timer.
 */
export async function runDueFor(core: Omit<SchedulerCore, 'jobs'>, options: Pick<RunDueDeps, 'now' | 'dryRun' | 'onLine' | 'asJob'>): Promise<DueRun> {
  const report = await runDue({ ...backupRunEnv(core), sites: core.sites.list(), ...options });
  if (options.dryRun) return { report, email: 'off', emailError: null };
  try {
    return { report, email: await emailRunReport(core.settings.data.preferences.email, core.secrets, report, core.catalog), emailError: null };
  } catch (error) {
    return { report, email: 'failed', emailError: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * The app's own scheduler: while SiteVault runs (window open or in the tray, or headless), it
 * looks every minute for what is due, so a backup missed while the laptop slept runs soon
 * after it wakes or the app starts. Scheduled work runs as queued jobs (behind what the user
 * asked for), with progress on screen; the email report goes out when configured.
 */
export function startScheduler(core: SchedulerCore, options: { everyMs?: number; firstAfterMs?: number; onError?: (error: unknown) => void } = {}): { checkSoon(afterMs: number): void; stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const { emailError } = await runDueFor(core, {
        now: new Date(),
        asJob: async (spec, work) => {
          let output: Awaited<ReturnType<typeof work>> | undefined;
          const id = core.jobs.start({ ...spec, priority: 'scheduled' }, async ({ signal, onProgress, setResult }) => {
            output = await work({ signal, onProgress });
            if (output && typeof output === 'object') setResult(output as Record<string, unknown>);
          });
          const job = await core.jobs.wait(id);
          if (job.status !== 'succeeded') throw Object.assign(new Error(job.error?.message ?? `${spec.title} did not finish.`), { code: job.error?.code });
          return output as Awaited<ReturnType<typeof work>>;
        },
      });
      if (emailError) options.onError?.(emailError);
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void tick(), options.firstAfterMs ?? 30_000);
  const timer = setInterval(() => void tick(), options.everyMs ?? 60_000);
  first.unref?.();
  timer.unref?.();
  let soon: NodeJS.Timeout | undefined;
  return {
    /** Looks again in `afterMs` instead of at the next minute (after the machine wakes, say). */
    checkSoon(afterMs) {
      clearTimeout(soon);
      soon = setTimeout(() => void tick(), afterMs);
      soon.unref?.();
    },
    stop() {
      clearTimeout(first);
      clearTimeout(soon);
      clearInterval(timer);
    },
  };
}
