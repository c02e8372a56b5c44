import { chromium, type Browser } from '@playwright/test';
import { createServer, type UserConfig, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../../electron.vite.config';

/**
 * `npm run dev` shows the renderer from Vite's dev server, under the page's CSP. Here the same
 * renderer configuration (plugins included) is served by Vite and opened in Debian's Chromium:
 * Vite's injected styles must apply and its HMR socket connect, with no CSP violation.
 */

let server: ViteDevServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const renderer = (config as { renderer: UserConfig }).renderer;
  server = await createServer({ ...renderer, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await server.listen();
  url = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the renderer on Vite’s dev server', () => {
  it('gets Vite’s injected styles and HMR socket through the page’s CSP, with no violation', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
    // Page code as text: this file is type-checked without the DOM library.
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(event.violatedDirective + ' ' + event.blockedURI));`);
    const connected = page.waitForEvent('console', { predicate: (message) => message.text().includes('[vite] connected'), timeout: 30_000 });
    await page.goto(url);
    await connected;
    // app.css, injected by Vite as a <style> element, defines the colours.
    await expect.poll(() => page.evaluate<string>(`getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()`), { timeout: 15_000 }).toBe('#2563eb');
    expect(violations).toEqual([]);
    await page.close();
  });

  it('relaxes only style-src, with a nonce, on the served page', async () => {
    const served = await (await fetch(url)).text();
    const policy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(served)?.[1] ?? '';
    expect(policy).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/]+=*'/);
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
