import { randomBytes } from 'node:crypto';
import { run } from '../../harness/system';
import { describe, expect, it } from 'vitest';
import { OsKeychain } from '../../../src-main/core/secrets/keychain';
import { loadHarnessInfo } from '../../harness/harness';

describe('harness keychain (real gnome-keyring Secret Service)', () => {
  it('runs a set, get, delete round trip through SiteVault’s keychain module', async () => {
    const info = await loadHarnessInfo();
    expect(process.env['DBUS_SESSION_BUS_ADDRESS']).toBe(info.keyring?.dbusAddress);
    const keychain = new OsKeychain(`SiteVault test ${randomBytes(4).toString('hex')}`);
    const secret = `pässwörd 'with' "quotes" $and #more ${randomBytes(6).toString('hex')}`;
    expect(await keychain.status()).toEqual({ available: true, backend: 'Secret Service', problem: null });
    expect(await keychain.read('site:one')).toBeNull();
    await keychain.write('site:one', secret);
    expect(await keychain.read('site:one')).toBe(secret);
    expect(await keychain.has('site:one')).toBe(true);
    expect(await keychain.remove('site:one')).toBe(true);
    expect(await keychain.read('site:one')).toBeNull();
    expect(await keychain.remove('site:one')).toBe(false);
  });

  it('keeps profiles apart: another service name does not see the secret', async () => {
    const a = new OsKeychain(`SiteVault A ${randomBytes(4).toString('hex')}`);
    const b = new OsKeychain(`SiteVault B ${randomBytes(4).toString('hex')}`);
    await a.write('dest:x', 'only-in-a');
    try {
      expect(await b.read('dest:x')).toBeNull();
    } finally {
      await a.remove('dest:x');
    }
  });

  it('comes back unlocked, with its secrets, when gnome-keyring aborts (as it does when a client leaves mid-session)', async () => {
    const info = await loadHarnessInfo();
    const keychain = new OsKeychain(`SiteVault crash ${randomBytes(4).toString('hex')}`);
    await keychain.write('site:kept', 'still here');
    const supervisor = info.keyring!.daemons[0]!.pid;
    await run('pkill', ['-ABRT', '-P', String(supervisor), '-x', 'gnome-keyring-d']);
    let read: string | null = null;
    for (let i = 0; i < 100 && read === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = await keychain.read('site:kept').catch(() => null);
    }
    expect(read).toBe('still here');
    expect(await keychain.status()).toMatchObject({ available: true });
    await keychain.remove('site:kept');
  });
});
