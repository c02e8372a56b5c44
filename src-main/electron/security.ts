import { app, session, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';

/** The only external sites a link may open (in the user's browser, never in the app). */
export const EXTERNAL_LINK_ALLOWLIST: readonly string[] = [
  'https://wordpress.org',
  'https://developer.wordpress.org',
];

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && EXTERNAL_LINK_ALLOWLIST.some((allowed) => parsed.origin === new URL(allowed).origin);
  } catch {
    return false;
  }
}

export function secureWebPreferences(preloadPath: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

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
