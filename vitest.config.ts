import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src-main/**/*.spec.ts', 'src-renderer/**/*.spec.ts', 'tests/unit/**/*.spec.ts'],
          exclude: ['src-renderer/**/*.component.spec.ts'],
          environment: 'node',
          // A few specs chunk 16 MiB or load electron-builder's schema: seconds on a busy 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        // Svelte components in a DOM (happy-dom), with their real logic and a fake API.
        plugins: [svelte({ configFile: './svelte.config.js' })],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'unit-components',
          include: ['src-renderer/**/*.component.spec.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The servers are shared, and each file has its own users' folders, homes and keychain
          // service. Files wait on servers and child processes much of the time: three at once
          // on 2 cores took 964 s where one at a time (Vitest's default here) took 1206 s.
          fileParallelism: true,
          maxWorkers: 3,
          // A project with its own worker count runs as its own group: after the unit specs.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
