import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';

// Issue 13, point 9: sites added with `sitevault site add` while the app ran vanished when the
// theme was changed in the app, which wrote its old copy of settings.json over the file.

let home: string;
let vault: string;
let serve: ServeProcess;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'shared settings passphrase', ...extra });
const { sv, json } = cliWith(env);

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(name: string, input: unknown): Promise<Json> {
  const response = await fetch(`${serve.origin}/api/call/${name}`, { method: 'POST', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const envelope = (await response.json()) as { ok: boolean; result: Json; error?: { code: string; message: string } };
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error!.code}: ${envelope.error!.message}`);
  return envelope.result;
}

/** Waits for the first push event of that name on serve's event stream (what the screens listen to). */
async function nextEvent(name: string, timeoutMs = 20_000): Promise<Json> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${serve.origin}/api/events`, { headers: { authorization: `Bearer ${serve.token}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += decoder.decode(value, { stream: true });
      const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer);
      if (match) return JSON.parse(match[1]!);
    }
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`serve pushed no ${name} event in ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const siteUrl = (name: string) => `sftp://someone@127.0.0.1:2/srv/${name}`;
const addWithCli = (name: string) => sv(['site', 'add', name, '--url', siteUrl(name), '--destination', 'Vault']);
const savedSites = async (): Promise<string[]> => (JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites as Array<{ name: string }>).map((s) => s.name).sort();
const cliSites = async (): Promise<string[]> => ((await json(['site', 'list', '--json'])) as Array<{ name: string }>).map((s) => s.name).sort();
const serveSites = async (): Promise<string[]> => ((await call('site:list', {})).sites as Array<{ name: string }>).map((s) => s.name).sort();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sv-shared-settings-'));
  vault = await mkdtemp(join(tmpdir(), 'sv-shared-settings-vault-'));
  const added = await sv(['destination', 'add', 'Vault', '--url', join(vault, 'repo'), '--passphrase-env', 'REPO_PASS']);
  expect(added.code, added.stderr).toBe(0);
  serve = await startServe(env());
  // serve has read the settings (one destination, no site) before the CLI changes them.
  expect(await serveSites()).toEqual([]);
});
afterAll(async () => {
  await serve?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(vault, { recursive: true, force: true });
});

describe('the running app and the CLI share the settings', () => {
  it('sites added with the CLI while serve runs survive a preference change through serve, and serve lists them', async () => {
    const pushed = nextEvent('settings:changed');
    const names = Array.from({ length: 8 }, (_, i) => `CLI site ${i + 1}`);
    for (const name of names) {
      const result = await addWithCli(name);
      expect(result.code, result.stderr).toBe(0);
    }
    const preferences = await call('preferences:set', { theme: 'dark' });
    expect(preferences.theme).toBe('dark');

    expect(await savedSites()).toEqual([...names].sort());
    expect(await serveSites()).toEqual([...names].sort());
    expect(await cliSites()).toEqual([...names].sort());
    // serve noticed on its own and told the screens, which reload their lists.
    expect((await pushed).parts).toContain('sites');
  });

  it('a change made through serve survives the CLI saving afterwards, and the CLI sees it', async () => {
    await call('preferences:set', { theme: 'light', maxConcurrentJobs: 3 });
    await call('site:save', { name: 'Added in the app', url: siteUrl('app'), destination: 'Vault' });
    const result = await addWithCli('CLI after the app');
    expect(result.code, result.stderr).toBe(0);

    const onDisk = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));
    expect(onDisk.preferences).toMatchObject({ theme: 'light', maxConcurrentJobs: 3 });
    expect(await cliSites()).toEqual(expect.arrayContaining(['Added in the app', 'CLI after the app']));
    const shown = await json(['site', 'show', 'Added in the app', '--json']);
    expect(shown).toMatchObject({ name: 'Added in the app', url: siteUrl('app'), destination: 'Vault' });
    expect((await call('preferences:get', {})).theme).toBe('light');
  });

  it('many writers at once (CLI processes and serve) lose nothing', async () => {
    const before = await savedSites();
    const fromCli = Array.from({ length: 8 }, (_, i) => `Concurrent CLI ${i + 1}`);
    const fromServe = Array.from({ length: 8 }, (_, i) => `Concurrent app ${i + 1}`);
    const themes = ['dark', 'light', 'system', 'dark'] as const;
    const results = await Promise.all([
      ...fromCli.map((name) => addWithCli(name)),
      ...fromServe.map((name) => call('site:save', { name, url: siteUrl(name), destination: 'Vault' })),
      ...themes.map((theme) => call('preferences:set', { theme })),
    ]);
    for (const result of results.slice(0, fromCli.length)) expect(result.code, result.stderr).toBe(0);

    const expected = [...before, ...fromCli, ...fromServe].sort();
    expect(expected).toHaveLength(before.length + 16);
    expect(await savedSites()).toEqual(expected);
    expect(await serveSites()).toEqual(expected);
    expect(await cliSites()).toEqual(expected);
    const onDisk = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));
    expect(onDisk.destinations.map((d: { name: string }) => d.name)).toEqual(['Vault']);
    expect(onDisk.preferences.maxConcurrentJobs).toBe(3);
  }, 120_000);
});
