import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../../src-main/core/app-version';
import { runCli } from '../../helpers/cli';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sv-cli-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('sitevault CLI', () => {
  it('prints its version', async () => {
    const result = await runCli(['--version'], process.env);
    expect(result).toMatchObject({ code: 0, stdout: `${APP_VERSION}\n` });
  });

  it('reports info as JSON, with the real keychain available, in SITEVAULT_HOME', async () => {
    const result = await runCli(['info', '--json'], { ...process.env, SITEVAULT_HOME: home });
    expect(result.code).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info).toMatchObject({ name: 'SiteVault', version: APP_VERSION, shell: 'cli', dataDir: home });
    expect(info.keychain).toEqual({ available: true, backend: 'Secret Service', problem: null });
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).version).toBe(1);
  });

  it('says plainly when no keychain is reachable, and does not fall back', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SITEVAULT_HOME: home };
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    const result = await runCli(['info'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Keychain:    Secret Service, NOT available.');
    expect(result.stdout).toContain('unlocked Secret Service');
  });

  it('exits 2 with usage for an unknown command or option', async () => {
    const unknown = await runCli(['frobnicate'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badOption = await runCli(['info', '--bogus'], { ...process.env, SITEVAULT_HOME: home });
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--bogus');
  });

  it('refuses a malformed settings file, names it, and leaves it untouched', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'sv-cli-broken-'));
    try {
      await writeFile(join(broken, 'settings.json'), '{"version": 1, "preferences": ');
      const result = await runCli(['info'], { ...process.env, SITEVAULT_HOME: broken });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(join(broken, 'settings.json'));
      expect(result.stderr).toContain('SETTINGS_INVALID');
      expect(await readFile(join(broken, 'settings.json'), 'utf8')).toBe('{"version": 1, "preferences": ');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
