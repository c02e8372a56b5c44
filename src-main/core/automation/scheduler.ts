import { emailRunReport } from '../alerts/run-report';
import type { Core } from '../open-core';
import { openDestinationRepository } from '../service/site-handlers';
import { SiteStore } from '../sites/site-store';
import { Catalog } from './catalog';
import { runDue } from './run-due';

/**
 * The app's own scheduler: while SiteVault runs (window open or in the tray, or headless), it
 * looks every minute for what is due, so a backup missed while the laptop slept runs soon
 * after it wakes or the app starts. Scheduled work runs as queued jobs (behind what the user
 * asked for), with progress on screen; the email report goes out when configured.
 */
export function startScheduler(core: Core, options: { everyMs?: number; firstAfterMs?: number; onError?: (error: unknown) => void } = {}): { checkSoon(afterMs: number): void; stop(): void } {
  let running = false;
  const store = new SiteStore(core.settings, core.secrets);
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const report = await runDue({
        sites: store.list(),
        secretsOf: (name) => store.secretsOf(name),
        openRepository: (destination) => openDestinationRepository(core, destination),
        catalog: new Catalog(core.dataDir),
        verification: core.settings.data.preferences.verification,
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
      await emailRunReport(core.settings.data.preferences.email, core.secrets, report, new Catalog(core.dataDir)).catch((error: unknown) => options.onError?.(error));
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
