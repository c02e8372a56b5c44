import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trayIconFile } from './tray-icon';

const resources = fileURLToPath(new URL('../../resources', import.meta.url));

function pngSize(file: string): [number, number] {
  const png = readFileSync(file);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('the tray icon', () => {
  it('is a template image on macOS and the colour icon elsewhere, at 16 px with a 32 px @2x beside it', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const file = trayIconFile(platform, resources);
      expect(existsSync(file)).toBe(true);
      expect(pngSize(file)).toEqual([16, 16]);
      expect(pngSize(file.replace(/\.png$/, '@2x.png'))).toEqual([32, 32]);
    }
    expect(trayIconFile('darwin', resources)).toMatch(/Template\.png$/);
    expect(trayIconFile('linux', resources)).not.toMatch(/Template/);
  });
});
