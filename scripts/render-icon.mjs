// Renders the app and tray icons from resources/*.svg in Debian's Chromium (transparent
// background): icon.png at 1024 px (electron-builder makes every platform's sizes from it),
// tray.png and tray@2x.png (16 and 32 px, Windows and Linux), and trayTemplate.png and
// trayTemplate@2x.png (16 and 32 px, the macOS menu bar's template image). Electron picks the
// @2x file on high-density screens. Run `node scripts/render-icon.mjs` after changing an SVG.
import { readFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';

const resources = new URL('../resources/', import.meta.url);
const outputs = [
  { svg: 'icon.svg', png: 'icon.png', size: 1024 },
  { svg: 'icon.svg', png: 'tray.png', size: 16 },
  { svg: 'icon.svg', png: 'tray@2x.png', size: 32 },
  { svg: 'tray-template.svg', png: 'trayTemplate.png', size: 16 },
  { svg: 'tray-template.svg', png: 'trayTemplate@2x.png', size: 32 },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const { svg, png, size } of outputs) {
  const source = await readFile(new URL(svg, resources), 'utf8');
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${source.replace('<svg ', `<svg width="${size}" height="${size}" style="display:block" `)}</body></html>`);
  await page.screenshot({ path: new URL(png, resources).pathname, omitBackground: true });
  await page.close();
}
await browser.close();
