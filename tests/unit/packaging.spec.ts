import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_USER_MODEL_ID, DESKTOP_FILE_NAME } from '../../src-main/electron/app-identity';
import beforePack, { missingNativeBinaries } from '../../scripts/check-native-binaries.mjs';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };

type BuilderConfig = Record<string, Record<string, unknown> & { target?: unknown; icon?: string }> & {
  appId: string;
  files: string[];
  extraResources: Array<{ from: string; to: string }>;
  beforePack: string;
  npmRebuild: boolean;
};
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

  it('gives Windows notifications the installer’s app id, and Linux the desktop file Electron names', () => {
    expect(APP_USER_MODEL_ID).toBe(config.appId);
    expect(pkg.desktopName).toBe(DESKTOP_FILE_NAME);
    expect(config['linux']?.['syncDesktopName']).toBe(true);
  });

  it('keeps electron-builder’s deb dependencies (libsecret among them) and recommends a Secret Service, not kwalletmanager', () => {
    const { DebOptions } = (require('app-builder-lib/scheme.json') as { definitions: Record<string, { properties: Record<string, { default?: unknown }> }> }).definitions;
    expect(config['deb']?.['depends']).toBeUndefined();
    expect(DebOptions!.properties['depends']!.default).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libsecret-1-0']));
    expect(config['deb']?.['recommends']).toEqual(['libappindicator3-1', 'gnome-keyring | libkf5wallet-bin']);
    expect(readFileSync('electron-builder.yml', 'utf8')).not.toMatch(/^[^#]*kwalletmanager/m);
  });

  it('leaves the AppImage’s sandbox to its launcher, which turns it off only where user namespaces are refused', () => {
    expect(config['appImage']?.['executableArgs']).toEqual([]);
    const appRun = readFileSync(require.resolve('app-builder-lib/out/targets/appimage/appImageUtil.js'), 'utf8');
    expect(appRun).toContain('! unshare -Ur true');
    expect(appRun).toContain('NO_SANDBOX=(--no-sandbox)');
  });

  it('signs and notarizes macOS builds from the environment, with the hardened runtime', () => {
    expect(config['mac']).toMatchObject({ hardenedRuntime: true, notarize: true });
    expect(readFileSync('electron-builder.yml', 'utf8')).not.toMatch(/(PASSWORD|KEY|LINK)\s*:/);
  });

  it('has a 1024 px app icon and ships the tray icons where the app looks for them', () => {
    const png = readFileSync('resources/icon.png');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
    for (const name of ['tray.png', 'tray@2x.png', 'trayTemplate.png', 'trayTemplate@2x.png']) {
      expect(config.extraResources).toContainEqual({ from: `resources/${name}`, to: name });
    }
  });

  it('packs no native addon built for the system’s Node, and needs no rebuild', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.files).toEqual(expect.arrayContaining(['!node_modules/ssh2/lib/protocol/crypto/build/**', '!node_modules/cpu-features/**']));
  });

  it('refuses to package for a system whose keychain binary npm did not install', async () => {
    expect(config.beforePack).toBe('./scripts/check-native-binaries.mjs');
    const nodeModules = join(process.cwd(), 'node_modules');
    // npm installed this system's binary, so a build for this system has what it needs.
    expect(missingNativeBinaries(process.platform, process.arch === 'arm' ? 'armv7l' : process.arch, nodeModules)).toEqual([]);
    expect(missingNativeBinaries('win32', 'x64', nodeModules)).toEqual(['@napi-rs/keyring-win32-x64-msvc']);
    expect(missingNativeBinaries('darwin', 'universal', nodeModules)).toEqual(['@napi-rs/keyring-darwin-x64', '@napi-rs/keyring-darwin-arm64']);
    await expect(beforePack({ electronPlatformName: 'win32', arch: 1, packager: { info: { projectDir: process.cwd() } } })).rejects.toThrow(
      /Cannot package SiteVault for win32 x64 .*@napi-rs\/keyring-win32-x64-msvc.*npm run dist:win on Windows/,
    );
  });

  it('uses a supported Electron major, not the one npm falls back to on Node 20', () => {
    const electronMajor = Number(/\d+/.exec(pkg.devDependencies.electron)?.[0]);
    expect(electronMajor).toBeGreaterThanOrEqual(43);
  });
});
