import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let placed: PlacedSite;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  REPO_PASSPHRASE: 'edit sites and destinations',
  WRONG_PASSWORD: 'not the password',
  ...accountPasswordEnv(harness),
  ...extra,
});
const { sv, json } = cliWith(env);

const siteUrl = (host = '127.0.0.1') => `sftp://${harness.sshd!.shell.username}@${host}:${harness.sshd!.port}${placed.remotePath}`;
const settings = async () => JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-site-edit-'));
  placed = await placeSite(harness, 'ssh-shell', 'site-edit');
  const added = await sv(['destination', 'add', 'office', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASSPHRASE']);
  expect(added.code, added.stderr).toBe(0);
  expect((await sv(['init', '--repo', 'office'])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('a name already saved is refused, never silently replaced', () => {
  it('site add: exit 1 with ALREADY_EXISTS and the way to edit it; the saved site, its address and its password stay', async () => {
    const first = await sv(['site', 'add', 'client-a', '--url', siteUrl(), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none', '--destination', 'office']);
    expect(first.code, first.stderr).toBe(0);

    const again = await sv(['site', 'add', 'client-a', '--url', 'sftp://someone@127.0.0.2:22/elsewhere', '--password-env', 'WRONG_PASSWORD', '--db', 'none']);

    expect(again.code).toBe(1);
    expect(again.stderr).toContain('A site named client-a is already saved; nothing was changed. [ALREADY_EXISTS]');
    expect(again.stderr).toContain('sitevault site edit NAME');
    const sites = (await settings()).sites.filter((s: { name: string }) => s.name === 'client-a');
    expect(sites).toHaveLength(1);
    expect(sites[0].url).toBe(siteUrl());
    // The keychain still holds the first password: the backup logs in.
    const backup = await sv(['backup', '--site', 'client-a']);
    expect(backup.code, backup.stderr).toBe(0);
  });

  it('destination add: exit 1 with ALREADY_EXISTS; the saved destination and its passphrase stay', async () => {
    const again = await sv(['destination', 'add', 'office', '--url', join(home, 'other'), '--passphrase-env', 'WRONG_PASSWORD']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('A destination named office is already saved; nothing was changed. [ALREADY_EXISTS]');
    expect(again.stderr).toContain('sitevault destination edit NAME');
    expect((await settings()).destinations).toEqual([expect.objectContaining({ name: 'office', url: join(home, 'repo') })]);
    const listed = await sv(['snapshots', '--repo', 'office']);
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('two processes adding one name at once: exactly one is saved', async () => {
    const add = (folder: string) => sv(['site', 'add', 'raced', '--url', `sftp://u@127.0.0.1:22/${folder}`, '--db', 'none']);
    const results = await Promise.all([add('one'), add('two'), add('three')]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1, 1]);
    const raced = (await settings()).sites.filter((s: { name: string }) => s.name === 'raced');
    expect(raced).toHaveLength(1);
    const winner = results.findIndex((r) => r.code === 0);
    expect(raced[0].url).toBe(`sftp://u@127.0.0.1:22/${['one', 'two', 'three'][winner]}`);
  });

  it('site edit to another login says a saved password is removed only when one was saved', async () => {
    const moved = await sv(['site', 'edit', 'raced', '--url', 'sftp://other@127.0.0.1:22/one']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).not.toContain('password');
  });
});

describe('sitevault site edit', () => {
  it('a wrong password fails the backup; site edit --password-env puts the right one in the keychain and the backup passes', async () => {
    const added = await sv([
      'site',
      'add',
      'client-b',
      '--url',
      siteUrl(),
      '--password-env',
      'WRONG_PASSWORD',
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
      '--db',
      'none',
      '--destination',
      'office',
      '--exclude',
      'wp-content/cache/',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const failed = await sv(['backup', '--site', 'client-b']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('AUTH_FAILED');
    expect(failed.stderr).toContain('sitevault site edit NAME --password-env VAR');

    const edited = await sv(['site', 'edit', 'client-b', '--password-env', 'SHELL_PASSWORD', '--keep-daily', '30', '--db-every-hours', '12']);
    expect(edited.code, edited.stderr).toBe(0);

    const shown = await json(['site', 'show', 'client-b', '--json']);
    expect(shown).toMatchObject({
      url: siteUrl(),
      hostKey: harness.sshd!.hostKeyFingerprint,
      excludes: ['wp-content/cache/'],
      destination: 'office',
      retention: { daily: 30, weekly: 0, monthly: 3, yearly: 1 },
      // The files part of the default schedule stays; only the database part changed.
      schedule: { files: { enabled: true, time: '02:00', frequency: 'daily' }, database: { enabled: true, everyHours: 12 } },
      hasPassword: true,
    });
    const backup = await sv(['backup', '--site', 'client-b']);
    expect(backup.code, backup.stderr).toBe(0);
  });

  it('an address on another server drops the pinned key and the saved password: the next backup stops before connecting until both are given again', async () => {
    const moved = await sv(['site', 'edit', 'client-b', '--url', siteUrl('localhost')]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('confirm its host key');
    expect(moved.stderr).toContain('the saved password and key passphrase are removed');
    expect(await json(['site', 'show', 'client-b', '--json'])).toMatchObject({ url: siteUrl('localhost'), hostKey: null, hasPassword: false, excludes: ['wp-content/cache/'] });

    const refused = await sv(['backup', '--site', 'client-b']);
    expect(refused.code).not.toBe(0);
    // Nothing to log in with: the backup stops before it connects.
    expect(refused.stderr).toContain('No password or key was given for');

    const pinned = await sv(['site', 'edit', 'client-b', '--accept-new-host-key', '--password-env', 'SHELL_PASSWORD']);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(await json(['site', 'show', 'client-b', '--json'])).toMatchObject({ hostKey: harness.sshd!.hostKeyFingerprint });
    expect((await sv(['backup', '--site', 'client-b'])).code).toBe(0);
  });

  it('switches back what add can only switch on (staging → production), and refuses a name that is not saved', async () => {
    expect((await sv(['site', 'edit', 'client-b', '--staging', '--no-copy'])).code).toBe(0);
    expect(await json(['site', 'show', 'client-b', '--json'])).toMatchObject({ environment: 'staging', copyTo: null });
    expect((await sv(['site', 'edit', 'client-b', '--production'])).code).toBe(0);
    expect(await json(['site', 'show', 'client-b', '--json'])).toMatchObject({ environment: 'production' });

    const unknown = await sv(['site', 'edit', 'client-z', '--staging']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No site named client-z. [NOT_FOUND]');
    expect((await settings()).sites.map((s: { name: string }) => s.name)).not.toContain('client-z');
  });
});

describe('sitevault destination edit', () => {
  it('changes what is given and keeps the rest, with the passphrase in the keychain', async () => {
    const edited = await sv(['destination', 'edit', 'office', '--timeout', '12', '--max-connections', '3']);
    expect(edited.code, edited.stderr).toBe(0);
    expect((await settings()).destinations).toContainEqual(expect.objectContaining({ name: 'office', url: join(home, 'repo'), timeoutSeconds: 12, maxConnections: 3 }));
    const listed = await json(['snapshots', '--repo', 'office', '--json']);
    expect(listed.length).toBeGreaterThan(0);

    // A passphrase is stored only once it opened the repository: a typo keeps the one that works.
    const typo = await sv(['destination', 'edit', 'office', '--passphrase-env', 'WRONG_PASSWORD']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('The passphrase given did not open the repository of office');
    expect(typo.stderr).toContain('the saved passphrase was kept');
    expect((await sv(['snapshots', '--repo', 'office'])).code).toBe(0);

    const inUse = await sv(['destination', 'remove', 'office']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain('client-a, client-b back up to office; nothing was removed.');
    expect(inUse.stderr).toContain('sitevault site edit NAME --destination OTHER');
    expect((await settings()).destinations).toHaveLength(1);

    // From S3 to a server: the secret access key is not a password for the new login.
    const s3 = await sv(['destination', 'add', 'bucket', '--url', 's3://bucket-a/sites', '--access-key-id-env', 'S3_KEY_ID', '--secret-key-env', 'S3_SECRET'], {
      S3_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET: 'the S3 secret',
    });
    expect(s3.code, s3.stderr).toBe(0);
    expect((await sv(['destination', 'edit', 'bucket', '--url', 'ftp://someone@127.0.0.2/repo'])).code).toBe(0);
    expect(await json(['destination', 'list', '--json'])).toContainEqual(expect.objectContaining({ name: 'bucket', url: 'ftp://someone@127.0.0.2/repo', s3: null, hasPassword: false }));

    const unknown = await sv(['destination', 'edit', 'nowhere', '--timeout', '5']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No destination named nowhere. [NOT_FOUND]');
  });
});
