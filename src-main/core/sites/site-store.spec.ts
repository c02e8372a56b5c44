import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MapKeychain } from '../../../tests/helpers/map-keychain';
import { SettingsStore } from '../settings/settings-store';
import { SiteStore } from './site-store';

describe('SiteStore: names, revisions and the secrets that go with a login', () => {
  let dir: string;
  let keychain: MapKeychain;
  const open = async () => new SiteStore(await SettingsStore.open(dir), keychain);
  const site = (url = 'sftp://deploy@host-a.example:22/srv/site') => ({ name: 'client', url });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sv-site-store-'));
    keychain = new MapKeychain();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an edit whose address names another server or user drops the saved password and key passphrase; the same login keeps them', async () => {
    const store = await open();
    await store.save(site(), { password: 'pw-a', keyPassphrase: 'kp-a' }, 'add');
    await store.save({ ...site('sftp://deploy@HOST-A.example:22/srv/other-folder'), timeoutSeconds: 9 }, {}, 'edit');
    expect(await store.secret('client', 'password')).toBe('pw-a');

    for (const url of ['ftp://deploy@host-a.example/srv/site', 'sftp://deploy@host-b.example:22/srv/site', 'sftp://deploy@host-a.example:2222/srv/site', 'sftp://other@host-a.example:22/srv/site']) {
      await store.save(site(), { password: 'pw-a', keyPassphrase: 'kp-a' }, 'edit');
      await store.save(site(url), {}, 'edit');
      expect([url, await store.secret('client', 'password'), await store.secret('client', 'keyPassphrase')]).toEqual([url, undefined, undefined]);
    }
    // Given again with the new address, the new password is kept.
    await store.save(site('sftp://deploy@host-b.example:22/srv/site'), { password: 'pw-b' }, 'edit');
    expect(await store.secret('client', 'password')).toBe('pw-b');
  });

  it('an edit started from settings changed since is refused with CONFLICT, and changes nothing', async () => {
    const app = await open();
    const cli = await open();
    await app.save(site(), { password: 'pw-a' }, 'add');
    const read = cli.revision('client');
    await app.save(site('sftp://deploy@host-b.example:22/srv/site'), { password: 'pw-b' }, 'edit', app.revision('client'));

    await expect(cli.save({ ...site(), timeoutSeconds: 5 }, { password: 'typed' }, 'edit', read)).rejects.toMatchObject({ code: 'CONFLICT' });
    const now = await open();
    expect(now.get('client').url).toBe('sftp://deploy@host-b.example:22/srv/site');
    expect(await now.secret('client', 'password')).toBe('pw-b');
  });

  it('a name that differs from a saved one only in case is refused (a keychain that ignores case would mix their passwords)', async () => {
    const store = await open();
    await store.save(site(), { password: 'client password' }, 'add');
    await expect(store.save({ name: 'CLIENT', url: 'sftp://evil@host-b.example:22/x' }, { password: 'other' }, 'add')).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringContaining('differs from it only in case'),
    });
    expect(store.list().map((s) => s.name)).toEqual(['client']);
    expect(keychain.entries.get('site:client:password')).toBe('client password');
  });

  it('an add never inherits secrets a former site of that name left behind', async () => {
    const store = await open();
    keychain.entries.set('site:client:password', 'old client’s password');
    keychain.entries.set('site:client:dbPassword', 'old database password');
    await store.save(site('ftp://anonymous@other-client.example/site'), {}, 'add');
    expect(keychain.entries.size).toBe(0);
  });

  it('a keychain that fails: an add saves nothing, a remove keeps the site (never secrets without their site)', async () => {
    const store = await open();
    keychain.failWrites = true;
    await expect(store.save(site(), { password: 'pw' }, 'add')).rejects.toThrow('locked');
    expect(store.find('client')).toBeUndefined();

    keychain.failWrites = false;
    await store.save(site(), { password: 'pw' }, 'add');
    keychain.remove = async () => {
      throw new Error('the keychain is locked');
    };
    await expect(store.remove('client')).rejects.toThrow('locked');
    expect((await open()).find('client')).toBeDefined();
  });

  it('an edit of a site removed meanwhile writes no secret', async () => {
    const app = await open();
    const cli = await open();
    await app.save(site(), {}, 'add');
    const read = cli.revision('client');
    await app.remove('client');
    await expect(cli.save(site(), { password: 'typed' }, 'edit', read)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(keychain.entries.size).toBe(0);
  });

  it('a keychain that fails half-way through an edit gets back what it held: no new password is left bound to the old address', async () => {
    const store = await open();
    await store.save(site(), { password: 'pw-a', dbPassword: 'db-a' }, 'add');
    keychain.failOn = 'site:client:dbPassword';
    await expect(store.save(site('sftp://deploy@host-b.example:22/srv/site'), { password: 'pw-b', dbPassword: 'db-b' }, 'edit')).rejects.toThrow('locked');
    keychain.failOn = null;
    const now = await open();
    expect(now.get('client').url).toBe('sftp://deploy@host-a.example:22/srv/site');
    expect([await now.secret('client', 'password'), await now.secret('client', 'dbPassword')]).toEqual(['pw-a', 'db-a']);
  });
});
