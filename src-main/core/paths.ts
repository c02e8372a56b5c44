import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_NAME = 'SiteVault';

/**
 * Where settings, the catalog and logs live. `SITEVAULT_HOME` overrides the platform's
 * app-data folder (tests and the CLI use it). The defaults match Electron's
 * `app.getPath('userData')` for an app named SiteVault, so the desktop app, the CLI and the
 * headless server share one profile.
 */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const override = env['SITEVAULT_HOME'];
  if (override && override.trim() !== '') return resolve(override);
  switch (platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', APP_NAME);
    case 'win32':
      return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
    default:
      return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), APP_NAME);
  }
}
