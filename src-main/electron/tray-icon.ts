import { join } from 'node:path';

/**
 * The tray icon's file. macOS takes a black template image (the name ends in "Template"), which
 * it tints for a light or dark menu bar; Windows and Linux take the colour icon at 16 px.
 * Electron loads the `@2x` file beside it (32 px) on high-density screens.
 */
export function trayIconFile(platform: NodeJS.Platform, resourcesDir: string): string {
  return join(resourcesDir, platform === 'darwin' ? 'trayTemplate.png' : 'tray.png');
}
