import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import { destinationSchema, SettingsStore, siteSchema, type SettingsPart } from './settings-store';

const site = (name: string) => siteSchema.parse({ name, url: `sftp://u@127.0.0.1:22/srv/${name}` });

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
      installation: null,
      preferences: {
        theme: 'system',
        defaultRetention: { daily: 12, weekly: 0, monthly: 3, yearly: 1 },
        maxConcurrentJobs: 2,
        verification: { sampleAfterBackup: true, checkEveryDays: 7, readDataPercent: 5 },
        dashboardView: 'cards',
        reportName: '',
        reportLogo: null,
        email: { enabled: false, host: '', port: 587, security: 'starttls', user: '', from: '', to: '', send: 'problems', caFile: null },
      },
      destinations: [],
      sites: [],
    });
    const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
    expect(onDisk.version).toBe(1);
  });

  it('makes the installation id once: every store on the folder sees the same one, across restarts', async () => {
    const app = await SettingsStore.open(dir);
    const cli = await SettingsStore.open(dir);
    expect(app.data.installation).toBeNull();
    const [first, second] = await Promise.all([app.installationId(), cli.installationId()]);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(second).toBe(first);
    expect(await (await SettingsStore.open(dir)).installationId()).toBe(first);
    const other = await mkdtemp(join(tmpdir(), 'sv-settings-other-'));
    try {
      expect(await (await SettingsStore.open(other)).installationId()).not.toBe(first);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
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

  it('a change made through one store keeps what another process saved meanwhile', async () => {
    const app = await SettingsStore.open(dir);
    const cli = await SettingsStore.open(dir);
    await cli.update((s) => {
      s.sites.push(site('Added by the CLI'));
    });
    // The app's copy is older than the file; its change must apply to the file as it is now.
    await app.update((s) => {
      s.preferences.theme = 'dark';
    });
    const onDisk = JSON.parse(await readFile(app.path, 'utf8'));
    expect(onDisk.sites.map((s: { name: string }) => s.name)).toEqual(['Added by the CLI']);
    expect(onDisk.preferences.theme).toBe('dark');
  });

  it('reads see a change another process saved, and tell the listeners what changed', async () => {
    const app = await SettingsStore.open(dir);
    const seen: SettingsPart[][] = [];
    app.onOutsideChange((parts) => seen.push(parts));
    const cli = await SettingsStore.open(dir);
    await cli.update((s) => {
      s.sites.push(site('one'));
    });
    expect(app.data.sites.map((s) => s.name)).toEqual(['one']);
    expect(seen).toEqual([['sites']]);
    // Its own changes are not reported as outside ones.
    await app.update((s) => {
      s.preferences.theme = 'light';
    });
    expect(seen).toEqual([['sites']]);
  });

  it('watch() notices a change by another process without a read', async () => {
    const app = await SettingsStore.open(dir);
    const changed = new Promise<SettingsPart[]>((resolve) => app.onOutsideChange(resolve));
    const stop = app.watch();
    try {
      const cli = await SettingsStore.open(dir);
      await cli.update((s) => {
        s.destinations.push(destinationSchema.parse({ name: 'Vault', url: '/tmp/vault' }));
      });
      expect(await changed).toEqual(['destinations']);
    } finally {
      stop();
    }
  });

  it('several processes changing the settings at once lose nothing', async () => {
    const store = await SettingsStore.open(dir);
    const module = fileURLToPath(new URL('./settings-store.ts', import.meta.url));
    const writer = (id: number) =>
      promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { SettingsStore } = await import(${JSON.stringify(module)});
           const store = await SettingsStore.open(${JSON.stringify(dir)});
           await Promise.all(Array.from({ length: 10 }, (_, i) => store.update((s) => { s.sites.push({ name: 'p${id}-' + i, url: 'sftp://u@h:22/p${id}-' + i }); })));`,
        ],
        { cwd: fileURLToPath(new URL('../../..', import.meta.url)) },
      );
    await Promise.all([writer(1), writer(2), writer(3), writer(4)]);
    expect(store.data.sites).toHaveLength(40);
    expect(new Set(store.data.sites.map((s) => s.name)).size).toBe(40);
    // No temporary file or lock is left behind.
    expect((await readdir(dir)).sort()).toEqual(['settings.json']);
  }, 60_000);

  it('takes over a lock left by a process that died', async () => {
    const store = await SettingsStore.open(dir, { staleMs: 2000 });
    const lock = `${store.path}.lock`;
    await mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await store.update((s) => {
      s.preferences.theme = 'dark';
    });
    expect(JSON.parse(await readFile(store.path, 'utf8')).preferences.theme).toBe('dark');
  });

  it('a lock another live process holds too long gives LOCKED, naming the file, and writes nothing', async () => {
    const store = await SettingsStore.open(dir, { waitMs: 300 });
    const before = await readFile(store.path, 'utf8');
    const release = await lockfile.lock(store.path, { realpath: false });
    try {
      const error = await store
        .update((s) => {
          s.preferences.theme = 'dark';
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('LOCKED');
      expect((error as ApiError).message).toContain(store.path);
      expect(await readFile(store.path, 'utf8')).toBe(before);
    } finally {
      await release();
    }
  });

  it('refuses to change a file another process left invalid, and leaves it as it is', async () => {
    const store = await SettingsStore.open(dir);
    await writeFile(store.path, '{"version": 1, "sites": [{"name": 5}]}');
    const error = await store.update((s) => void (s.preferences.theme = 'dark')).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('SETTINGS_INVALID');
    expect(await readFile(store.path, 'utf8')).toBe('{"version": 1, "sites": [{"name": 5}]}');
    // Reads keep the last good copy meanwhile.
    expect(store.data.preferences.theme).toBe('system');
  });
});
