import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import { SettingsStore } from './settings-store';

describe('SettingsStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sv-settings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates settings.json with defaults on first open', async () => {
    const store = await SettingsStore.open(join(dir, 'home'));
    expect(store.data).toEqual({
      version: 1,
      preferences: {
        theme: 'system',
        defaultRetention: { daily: 12, weekly: 0, monthly: 3, yearly: 1 },
        maxConcurrentJobs: 2,
        verification: { sampleAfterBackup: true, checkEveryDays: 7, readDataPercent: 5 },
        email: { enabled: false, host: '', port: 587, security: 'starttls', user: '', from: '', to: '', send: 'problems', caFile: null },
      },
      destinations: [],
      sites: [],
    });
    const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
    expect(onDisk.version).toBe(1);
  });

  it('persists updates and reads them back', async () => {
    const store = await SettingsStore.open(dir);
    await store.update((s) => {
      s.preferences.theme = 'dark';
    });
    const again = await SettingsStore.open(dir);
    expect(again.data.preferences.theme).toBe('dark');
  });

  it('rejects an invalid update without writing it', async () => {
    const store = await SettingsStore.open(dir);
    await expect(
      store.update((s) => {
        (s.preferences as { theme: string }).theme = 'neon';
      }),
    ).rejects.toThrow();
    const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
    expect(onDisk.preferences.theme).toBe('system');
  });

  it.each([
    ['malformed JSON', '{"version": 1,', /not valid JSON/],
    ['wrong version', '{"version": 99}', /unexpected shape \(version/],
    ['wrong type', '[]', /unexpected shape/],
  ])('refuses %s with SETTINGS_INVALID and leaves the file as it was', async (_label, content, message) => {
    const path = join(dir, 'settings.json');
    await writeFile(path, content);
    const error = await SettingsStore.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('SETTINGS_INVALID');
    expect((error as ApiError).message).toMatch(message);
    expect((error as ApiError).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe(content);
  });
});
