// ESLint: the recommended rules of ESLint, typescript-eslint and eslint-plugin-svelte, and the
// import boundaries between the layers (README, "Project layout"). Formatting is Prettier's job.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const root = import.meta.dirname;
const adapters = ['./src-main/cli', './src-main/electron', './src-main/server', './src-main/preload', './src-renderer'];

/**
 * Who may import whom. Paths are resolved (not matched as text), so `../../cli/x`, `./service`
 * and a dynamic `import()` are all caught. tests/unit/lint-boundaries.spec.ts shows each one
 * failing on a bad import.
 */
export const boundaryZones = [
  {
    target: './src-main/core',
    from: adapters,
    message: 'The core never imports an adapter (CLI, Electron shell, server, preload, renderer): pass what it needs in from the adapter.',
  },
  {
    target: ['./src-main/core/engine', './src-main/core/backends'],
    from: ['./src-main/core/sites', './src-main/core/service', './src-main/core/automation'],
    message: 'The engine and the backends never import sites, the service or automation: they sit below them.',
  },
  {
    target: ['./src-main/core/automation', './src-main/cli'],
    from: './src-main/core/service',
    except: ['./dispatch.ts'],
    message: 'Automation and the CLI reach the service only through core/service/dispatch (and open-core for the instance).',
  },
];

export default defineConfig(
  {
    ignores: ['out/', 'dist/', 'test-results/', 'playwright-report/', '.vitest-results/', 'node_modules/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      // A leading underscore marks a name unused on purpose: a drained stream (`for await (const _ of …)`),
      // a parameter a signature requires. `const { id: _id, ...rest }` leaves a property out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: {
      globals: { ...globals.browser },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.svelte', '.js', '.mjs', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaryZones }],
    },
  },
  {
    files: ['src-main/core/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The core runs without Electron (CLI, server): the Electron shell passes in what it needs.' }] }],
    },
  },
);
