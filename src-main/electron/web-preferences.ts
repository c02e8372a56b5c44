import type { BrowserWindowConstructorOptions } from 'electron';

/** The only external sites a link may open (in the user's browser, never in the app). */
export const EXTERNAL_LINK_ALLOWLIST: readonly string[] = ['https://wordpress.org', 'https://developer.wordpress.org'];

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
