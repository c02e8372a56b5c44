import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { startServe, type ServeProcess } from '../helpers/cli';

export const SCREENSHOT_DIR = 'test-results/screens';

/** Each test gets its own `sitevault serve` with a fresh profile, using the harness keychain. */
export const test = base.extend<{ server: ServeProcess; home: string }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern, even an empty one
  home: async ({}, use) => {
    const home = await mkdtemp(join(tmpdir(), 'sv-e2e-'));
    await use(home);
    await rm(home, { recursive: true, force: true });
  },
  server: async ({ home }, use) => {
    const server = await startServe({ ...process.env, SITEVAULT_HOME: home });
    await use(server);
    await server.stop();
  },
});

export { expect } from '@playwright/test';
