import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartEnabled, autostartFile, execArgument, launchCommand, setAutostart } from './linux-autostart';

let configHome: string;
beforeEach(async () => {
  configHome = await mkdtemp(join(tmpdir(), 'sv-xdg-'));
});
afterEach(async () => {
  await rm(configHome, { recursive: true, force: true });
});

describe('Start at login on Linux (XDG autostart)', () => {
  it('writes $XDG_CONFIG_HOME/autostart/sitevault.desktop when switched on, and removes it when off', async () => {
    const file = autostartFile({ XDG_CONFIG_HOME: configHome }, '/home/nobody');
    expect(file).toBe(join(configHome, 'autostart', 'sitevault.desktop'));
    expect(autostartEnabled(file)).toBe(false);

    setAutostart(file, true, ['/opt/SiteVault/sitevault']);
    expect(autostartEnabled(file)).toBe(true);
    const entry = await readFile(file, 'utf8');
    expect(entry.split('\n')).toEqual(expect.arrayContaining(['[Desktop Entry]', 'Type=Application', 'Name=SiteVault', 'Exec=/opt/SiteVault/sitevault', 'X-GNOME-Autostart-enabled=true']));

    setAutostart(file, false, ['/opt/SiteVault/sitevault']);
    expect(autostartEnabled(file)).toBe(false);
    setAutostart(file, false, ['/opt/SiteVault/sitevault']);
  });

  it('uses ~/.config when XDG_CONFIG_HOME is unset or not absolute (as the spec says)', () => {
    expect(autostartFile({}, '/home/ana')).toBe('/home/ana/.config/autostart/sitevault.desktop');
    expect(autostartFile({ XDG_CONFIG_HOME: 'relative' }, '/home/ana')).toBe('/home/ana/.config/autostart/sitevault.desktop');
  });

  it('counts an entry the desktop’s session settings switched off as off', async () => {
    const file = autostartFile({ XDG_CONFIG_HOME: configHome });
    setAutostart(file, true, ['/opt/SiteVault/sitevault']);
    await writeFile(file, `${await readFile(file, 'utf8')}Hidden=true\n`);
    expect(autostartEnabled(file)).toBe(false);
  });

  it('starts the file the user keeps: the AppImage, the installed binary, or Electron with the checkout', () => {
    expect(
      launchCommand({ isPackaged: true, execPath: '/tmp/.mount_SiteVaXY/sitevault', appPath: '/tmp/.mount_SiteVaXY/resources/app.asar', appImage: '/home/ana/Apps/SiteVault-0.1.0-x86_64.AppImage' }),
    ).toEqual(['/home/ana/Apps/SiteVault-0.1.0-x86_64.AppImage']);
    expect(launchCommand({ isPackaged: true, execPath: '/opt/SiteVault/sitevault', appPath: '/opt/SiteVault/resources/app.asar' })).toEqual(['/opt/SiteVault/sitevault']);
    expect(launchCommand({ isPackaged: false, execPath: '/src/sv/node_modules/electron/dist/electron', appPath: '/src/sv' })).toEqual(['/src/sv/node_modules/electron/dist/electron', '/src/sv']);
  });

  it('quotes Exec arguments as the Desktop Entry Specification says', () => {
    expect(execArgument('/opt/SiteVault/sitevault')).toBe('/opt/SiteVault/sitevault');
    expect(execArgument('/home/ana/My Apps/SiteVault.AppImage')).toBe('"/home/ana/My Apps/SiteVault.AppImage"');
    expect(execArgument('/home/ana/50%/a')).toBe('"/home/ana/50%%/a"');
    expect(execArgument('/home/$USER/"x"/`y`')).toBe('"/home/\\\\$USER/\\\\"x\\\\"/\\\\`y\\\\`"');
    // A literal backslash takes four (string escape, then quoting).
    expect(execArgument('/a\\b')).toBe('"/a\\\\\\\\b"');
    expect(() => execArgument('/a\nExec=evil')).toThrow(/line break/);
  });
});
