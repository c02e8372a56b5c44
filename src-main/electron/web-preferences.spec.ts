import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../server/security-headers';
import { isAllowedExternalUrl, secureWebPreferences } from './web-preferences';

describe('the Electron window', () => {
  it('runs the renderer sandboxed and isolated, with no Node and no way to load other content', () => {
    expect(secureWebPreferences('/app/preload.js')).toEqual({
      preload: '/app/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('opens only allow-listed https links, outside the app', () => {
    expect(isAllowedExternalUrl('https://wordpress.org/plugins/')).toBe(true);
    expect(isAllowedExternalUrl('http://wordpress.org/')).toBe(false);
    expect(isAllowedExternalUrl('https://wordpress.org.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
  });

  it("the renderer's page carries the same strict CSP as the headless server (no inline script, no remote origin)", async () => {
    const html = await readFile(new URL('../../src-renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    // frame-ancestors is ignored in a meta tag: the server sends it as a header.
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
    expect(meta).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });
});
