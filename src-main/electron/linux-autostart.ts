import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP_FILE_NAME } from './app-identity';

/**
 * "Start at login" on Linux, where Electron's setLoginItemSettings does nothing: an XDG
 * autostart entry, `$XDG_CONFIG_HOME/autostart/sitevault.desktop` (~/.config by default),
 * which GNOME, KDE, Xfce and the other XDG desktops start at login.
 */
export function autostartFile(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const configHome = env['XDG_CONFIG_HOME']?.startsWith('/') ? env['XDG_CONFIG_HOME'] : join(home, '.config');
  return join(configHome, 'autostart', DESKTOP_FILE_NAME);
}

/** The command that starts this copy of SiteVault. */
export function launchCommand(facts: { isPackaged: boolean; execPath: string; appPath: string; appImage?: string | undefined }): string[] {
  // An AppImage runs from a temporary mount; $APPIMAGE is the file the user keeps.
  if (facts.appImage) return [facts.appImage];
  if (facts.isPackaged) return [facts.execPath];
  // `npm start`: Electron from node_modules, given the checkout.
  return [facts.execPath, facts.appPath];
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=SiteVault',
    'Comment=Backups of client websites (started at login so scheduled backups run)',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** On unless the file is missing or the desktop's session settings switched it off. */
export function autostartEnabled(file: string): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
}

export function setAutostart(file: string, enabled: boolean, command: readonly string[]): void {
  if (!enabled) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, autostartEntry(command), { mode: 0o644 });
}

/**
 * One argument of an Exec key (Desktop Entry Specification, "The Exec key"): quoted when it
 * holds a reserved character, with `"`, `` ` ``, `$` and `\` escaped inside the quotes; `%`
 * doubled (field codes); then the string value's own escapes, which double every backslash.
 */
export function execArgument(argument: string): string {
  if (/[\n\r\t\0]/.test(argument)) throw new Error(`An autostart command cannot hold a line break or tab: ${JSON.stringify(argument)}`);
  const quoted = /^[\w./+,:=@-]+$/.test(argument) ? argument : `"${argument.replace(/["`$\\]/g, '\\$&')}"`;
  return quoted.replace(/%/g, '%%').replace(/\\/g, '\\\\');
}
