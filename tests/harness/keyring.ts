import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, waitFor, type Daemon } from './processes';
import { readFileSync } from 'node:fs';
import { run } from './system';
import { testPassword } from './users';

export interface KeyringInfo {
  /** Put this in the environment of anything that uses the keychain. */
  dbusAddress: string;
  daemons: Daemon[];
}

async function secretServiceIsUp(address: string): Promise<boolean> {
  const result = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    allowFailure: true,
  });
  return result.stdout.includes('boolean true');
}

/**
 * A private D-Bus session with gnome-keyring's Secret Service, its `login` collection
 * created and unlocked. Both daemons run in the foreground so they can be stopped by PID.
 */
export async function startKeyring(stateDir: string): Promise<KeyringInfo> {
  const dir = join(stateDir, 'keyring');
  const xdg = {
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  };
  for (const folder of Object.values(xdg)) await mkdir(folder, { recursive: true, mode: 0o700 });
  // D-Bus-activated services inherit the bus's environment, so it gets the XDG folders too.
  const env = { ...process.env, ...xdg };
  const addressFile = join(dir, 'dbus-address');
  const dbus = startDaemon('dbus-daemon', 'dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], addressFile, { env });
  let address = '';
  await waitFor('the D-Bus session bus', () => {
    try {
      address =
        readFileSync(addressFile, 'utf8')
          .split('\n')
          .find((line) => line.startsWith('unix:'))
          ?.trim() ?? '';
    } catch {
      address = '';
    }
    return address.startsWith('unix:');
  });
  const keyring = startDaemon('gnome-keyring-daemon', 'gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], join(dir, 'gnome-keyring.log'), {
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
    input: testPassword('keyring'),
  });
  await waitFor('the Secret Service on the session bus', () => secretServiceIsUp(address), 15_000, join(dir, 'gnome-keyring.log'));
  return { dbusAddress: address, daemons: [keyring, dbus] };
}
