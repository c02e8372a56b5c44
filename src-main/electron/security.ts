import { app, session, shell, type WebContents } from 'electron';
import { navigationAllowed } from './renderer-location';
import { isAllowedExternalUrl } from './web-preferences';

export { isAllowedExternalUrl, secureWebPreferences } from './web-preferences';

function restrictContents(contents: WebContents, devServerUrl: string | null): void {
  contents.on('will-navigate', (event) => {
    if (!navigationAllowed(event.url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * Applied once, before any window exists: no navigation, no new windows, no permissions.
 * `devServerUrl` (development only) lets Vite's full reload of its own page through.
 */
export function applySecurityRestrictions(devServerUrl: string | null): void {
  app.on('web-contents-created', (_event, contents) => restrictContents(contents, devServerUrl));
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
