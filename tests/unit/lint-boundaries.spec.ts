import { readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The import boundaries of eslint.config.js (README, "Project layout"), each shown failing on a
// bad import written into a file of the folder it guards, and passing on the imports allowed.
const root = join(import.meta.dirname, '..', '..');
let eslint: ESLint;

beforeAll(async () => {
  eslint = new ESLint({ cwd: root });
  // Loads the config, its plugins and parsers once (seconds), outside the tests' own time.
  await eslint.lintText('export {};\n', { filePath: join(root, 'src-main/core/warm-up.ts') });
}, 60_000);

/** A module that exists in `folder` (the rule resolves imports, so the target must be real). */
function aModuleIn(folder: string, except: string[] = []): string {
  const file = readdirSync(join(root, folder))
    .filter((name) => /\.ts$/.test(name) && !/\.(spec|test|d)\.ts$/.test(name) && !except.includes(name))
    .sort()[0];
  if (!file) throw new Error(`No module in ${folder} to import`);
  return `${folder}/${file}`;
}

/** How `from` (a file, relative to the root) writes an import of `target`. */
function specifier(from: string, target: string): string {
  const path = relative(dirname(from), target).split(/[\\/]/).join(posix.sep).replace(/\.ts$/, '');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The boundary errors for `code` as if it were the file `from`. */
async function boundaryErrors(from: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, from) });
  return result!.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importOf = (from: string, target: string) => `import * as imported from '${specifier(from, target)}';\nexport { imported };\n`;

describe('lint: import boundaries', () => {
  const adapters = ['src-main/cli', 'src-main/electron', 'src-main/server', 'src-main/preload', 'src-renderer'];

  it.each(adapters)('src-main/core never imports the adapter %s', async (adapter) => {
    for (const from of ['src-main/core/bad.ts', 'src-main/core/sites/bad.ts', 'src-main/core/service/handlers/bad.ts']) {
      const errors = await boundaryErrors(from, importOf(from, aModuleIn(adapter)));
      expect(errors, from).toEqual([expect.stringContaining('The core never imports an adapter')]);
    }
  });

  it('src-main/core never imports electron', async () => {
    const errors = await boundaryErrors('src-main/core/jobs/bad.ts', "import { app } from 'electron';\nexport { app };\n");
    expect(errors).toEqual([expect.stringContaining('The core runs without Electron')]);
  });

  const lowerLayers = ['src-main/core/engine', 'src-main/core/backends'];
  const upperLayers = ['src-main/core/sites', 'src-main/core/service', 'src-main/core/automation'];
  it.each(lowerLayers.flatMap((lower) => upperLayers.map((upper) => [lower, upper])))('%s never imports %s', async (lower, upper) => {
    const from = `${lower}/bad.ts`;
    const errors = await boundaryErrors(from, importOf(from, aModuleIn(upper!)));
    expect(errors).toEqual([expect.stringContaining('The engine and the backends never import sites, the service or automation')]);
  });

  it.each(['src-main/core/automation', 'src-main/cli', 'src-main/cli/commands'])('%s reaches the service only through its dispatch', async (folder) => {
    const from = `${folder}/bad.ts`;
    const internal = aModuleIn('src-main/core/service', ['dispatch.ts']);
    const handler = aModuleIn('src-main/core/service/handlers');
    for (const target of [internal, handler]) {
      const errors = await boundaryErrors(from, importOf(from, target));
      expect(errors, target).toEqual([expect.stringContaining('reach the service only through core/service/dispatch')]);
    }
    expect(await boundaryErrors(from, importOf(from, 'src-main/core/service/dispatch.ts'))).toEqual([]);
  });

  it('type-only and dynamic imports are held to the same boundaries', async () => {
    const from = 'src-main/core/engine/bad.ts';
    const target = specifier(from, aModuleIn('src-main/core/sites'));
    const code = `import type * as types from '${target}';\nexport const load = (): Promise<typeof types> => import('${target}');\n`;
    expect(await boundaryErrors(from, code)).toHaveLength(2);
  });

  it('the imports the layout allows pass', async () => {
    const allowed: [string, string][] = [
      ['src-main/core/engine/ok.ts', aModuleIn('src-main/core/backends')],
      ['src-main/core/engine/ok.ts', aModuleIn('src-main/core/contract')],
      ['src-main/core/sites/ok.ts', aModuleIn('src-main/core/engine')],
      ['src-main/core/service/ok.ts', aModuleIn('src-main/core/sites')],
      ['src-main/core/automation/ok.ts', aModuleIn('src-main/core/engine')],
      ['src-main/cli/ok.ts', 'src-main/core/open-core.ts'],
      ['src-main/cli/ok.ts', aModuleIn('src-main/core/engine')],
      ['src-main/server/ok.ts', aModuleIn('src-main/core/service', ['dispatch.ts'])],
      ['src-main/electron/ok.ts', aModuleIn('src-main/core/automation')],
      ['src-renderer/ok.ts', aModuleIn('src-main/core/contract')],
    ];
    for (const [from, target] of allowed) expect(await boundaryErrors(from, importOf(from, target)), `${from} -> ${target}`).toEqual([]);
  });
});
