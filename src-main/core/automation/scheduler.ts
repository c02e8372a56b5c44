import type { Core } from '../open-core';
import { openDestinationRepository } from '../service/site-handlers';
import { SiteStore } from '../sites/site-store';
import { Catalog } from './catalog';
import { runDue } from './run-due';

/**
 * The app's own scheduler: while SiteVault runs (window open or in the tray, or headless), it
 * looks every minute for what is due, so a backup missed while the laptop slept runs soon
 * after it wakes or the app starts. Scheduled backups run as jobs, with progress on screen.
 */
export function startScheduler(core: Core, options: { everyMs?: number; firstAfterMs?: number; onError?: (error: unknown) => void } = {}): { stop(): void } {
  let running = false;
  const store = new SiteStore(core.settings, core.secrets);
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await runDue({
        sites: store.list(),
        secretsOf: async (name) => ({ password: await store.secret(name, 'password'), keyPassphrase: await store.secret(name, 'keyPassphrase'), dbPassword: await store.secret(name, 'dbPassword') }),
        openRepository: (destination) => openDestinationRepository(core, destination),
        catalog: await Catalog.open(core.dataDir),
        now: new Date(),
        runBackup: async (site, kind, run) => {
          let snapshot = '';
          const id = core.jobs.start('backup', `Scheduled backup of ${site.name}`, async ({ setResult }) => {
            snapshot = await run();
            setResult({ snapshot, kind });
          });
          const job = await core.jobs.wait(id);
          if (job.status !== 'succeeded') throw new Error(job.error?.message ?? 'The scheduled backup did not finish.');
          return snapshot;
        },
      });
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
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
