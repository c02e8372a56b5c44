import { join } from 'node:path';
import { HARNESS_INFO_ENV, startHarness, stopHarness } from './harness';

/**
 * Vitest and Playwright global setup: start every server once for the whole run, publish
 * where to find them, and stop them by PID at the end. A server that cannot start fails
 * the run; nothing is skipped.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const info = await startHarness();
  process.env[HARNESS_INFO_ENV] = join(info.stateDir, 'harness.json');
  for (const [key, value] of Object.entries(info.env)) process.env[key] = value;
  return async () => {
    await stopHarness(info, { keepState: process.env['SITEVAULT_KEEP_HARNESS'] === '1' });
  };
}
