import { app, session, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from './web-preferences';

export { isAllowedExternalUrl, secureWebPreferences } from './web-preferences';

function restrictContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** Applied once, before any window exists: no navigation, no new windows, no permissions. */
export function applySecurityRestrictions(): void {
  app.on('web-contents-created', (_event, contents) => restrictContents(contents));
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
