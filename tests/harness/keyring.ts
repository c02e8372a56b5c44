import { mkdir, writeFile } from 'node:fs/promises';
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
  // A session bus that starts no service on demand: only the supervised keyring below may own
  // the Secret Service name (an activated one would have its login collection locked).
  const config = join(dir, 'session.conf');
  await writeFile(
    config,
    [
      '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">',
      '<busconfig>',
      '  <type>session</type>',
      `  <listen>unix:dir=${xdg.XDG_RUNTIME_DIR}</listen>`,
      '  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>',
      '</busconfig>',
    ].join('\n'),
  );
  const dbus = startDaemon('dbus-daemon', 'dbus-daemon', [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address=1'], addressFile, { env });
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
  // gnome-keyring aborts (GLib-ERROR in aes_negotiate) when a client leaves in the middle of
  // OpenSession, as a CLI killed by a test does. D-Bus would then start another one whose login
  // collection is locked, and every later test would find no keychain: the supervisor starts it
  // again at once, unlocked, in place of whatever took the name.
  const unlock = join(dir, 'unlock');
  await writeFile(unlock, testPassword('keyring'), { mode: 0o600 });
  const supervisor = [
    'trap \'kill "$child" 2>/dev/null; exit 0\' TERM INT',
    'while :; do',
    '  gnome-keyring-daemon --foreground --replace --unlock --components=secrets < "$1" &',
    '  child=$!',
    '  wait "$child"',
    '  echo "gnome-keyring-daemon ended; starting it again"',
    '  sleep 0.2',
    'done',
  ].join('\n');
  const keyring = startDaemon('gnome-keyring-daemon', 'sh', ['-c', supervisor, 'keyring-supervisor', unlock], join(dir, 'gnome-keyring.log'), {
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
  });
  await waitFor('the Secret Service on the session bus', () => secretServiceIsUp(address), 15_000, join(dir, 'gnome-keyring.log'));
  return { dbusAddress: address, daemons: [keyring, dbus] };
}
