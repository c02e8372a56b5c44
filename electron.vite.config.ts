import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { devCspPlugin } from './scripts/dev-csp-plugin';

// This project does not use electron-vite's default src/main, src/preload, src/renderer
// layout, so every entry is named here.
const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          // The Electron shell.
          index: resolve(root, 'src-main/electron/main.ts'),
          // The command-line tool and headless server (`bin/sitevault.js` loads it).
          cli: resolve(root, 'src-main/cli/main.ts'),
          // Worker threads that seal blobs (hash, compress, encrypt) on every core.
          'seal-worker': resolve(root, 'src-main/core/engine/seal-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload cannot load modules from node_modules or use ESM.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') }), devCspPlugin()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
});
