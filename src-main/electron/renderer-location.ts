import { pathToFileURL } from 'node:url';

/**
 * The URL of the window's page: Vite's dev server in development (`npm run dev`), the built
 * file otherwise. `pathToFileURL` percent-encodes what a path may hold and a URL may not
 * (`#`, `?`, `%`, spaces), so an install folder named `C#` or `50% off` still matches the
 * URL Chromium reports for the page.
 */
export function rendererUrl(rendererFile: string, devServerUrl: string | null): string {
  return devServerUrl ?? pathToFileURL(rendererFile).href;
}

export function urlBelongsToRenderer(url: string, rendererUrl: string): boolean {
  try {
    const actual = new URL(url);
    const expected = new URL(rendererUrl);
    if (expected.protocol === 'file:') return actual.protocol === 'file:' && actual.pathname === expected.pathname;
    return actual.origin === expected.origin;
  } catch {
    return false;
  }
}

/**
 * The window never navigates, except in development, where Vite reloads the whole page from
 * its dev server (after a change it cannot hot-swap): only that server's own pages.
 */
export function navigationAllowed(url: string, devServerUrl: string | null): boolean {
  return devServerUrl !== null && urlBelongsToRenderer(url, devServerUrl);
}
