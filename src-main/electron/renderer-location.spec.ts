import { describe, expect, it } from 'vitest';
import { navigationAllowed, rendererUrl, urlBelongsToRenderer } from './renderer-location';

describe('the renderer page’s URL', () => {
  it.each([
    ['#', '/opt/C#Tools/SiteVault/resources/app.asar/out/renderer/index.html', 'file:///opt/C%23Tools/SiteVault/resources/app.asar/out/renderer/index.html'],
    ['?', '/home/ana/what?/sitevault/out/renderer/index.html', 'file:///home/ana/what%3F/sitevault/out/renderer/index.html'],
    ['%', '/home/ana/50% off/sitevault/out/renderer/index.html', 'file:///home/ana/50%25%20off/sitevault/out/renderer/index.html'],
  ])('matches the URL Chromium reports for an install path with %s in it', (_char, path, reported) => {
    const expected = rendererUrl(path, null);
    expect(urlBelongsToRenderer(reported, expected)).toBe(true);
    expect(urlBelongsToRenderer(`${reported}#/sites`, expected)).toBe(true);
    expect(urlBelongsToRenderer('file:///opt/C', expected)).toBe(false);
  });

  it('is the dev server’s address in development', () => {
    expect(rendererUrl('/x/out/renderer/index.html', 'http://localhost:5173')).toBe('http://localhost:5173');
  });
});

describe('navigation in the window', () => {
  it('is refused in the built app, whatever the target', () => {
    expect(navigationAllowed('file:///x/out/renderer/index.html', null)).toBe(false);
    expect(navigationAllowed('https://evil.example/', null)).toBe(false);
  });

  it('in development, lets Vite reload its own page and nothing else', () => {
    const dev = 'http://localhost:5173';
    expect(navigationAllowed('http://localhost:5173/', dev)).toBe(true);
    expect(navigationAllowed('http://localhost:5173/#/sites', dev)).toBe(true);
    expect(navigationAllowed('http://localhost:5174/', dev)).toBe(false);
    expect(navigationAllowed('https://localhost:5173/', dev)).toBe(false);
    expect(navigationAllowed('https://evil.example/', dev)).toBe(false);
    expect(navigationAllowed('file:///etc/passwd', dev)).toBe(false);
  });
});
