import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };

type BuilderConfig = Record<string, Record<string, unknown> & { target?: unknown; icon?: string }>;
const config = yaml.load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

// Packaging itself cannot run here (Electron cannot be downloaded); the configuration is
// checked against electron-builder's own schema and for the targets the product ships.
describe('electron-builder configuration', () => {
  it('passes electron-builder’s schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(config['linux']?.target).toEqual(['AppImage', 'deb']);
    expect(config['mac']?.target).toEqual(['dmg']);
    expect(config['win']?.target).toEqual(['nsis']);
  });

  it('points at files that exist after a build and an icon that exists', () => {
    for (const platform of ['linux', 'mac', 'win']) expect(existsSync(config[platform]!.icon!)).toBe(true);
    expect(pkg.main).toBe('./out/main/index.js');
  });

  it('uses a supported Electron major, not the one npm falls back to on Node 20', () => {
    const electronMajor = Number(/\d+/.exec(pkg.devDependencies.electron)?.[0]);
    expect(electronMajor).toBeGreaterThanOrEqual(43);
  });
});
