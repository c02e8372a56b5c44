import { app, BrowserWindow, dialog, powerMonitor } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNEL } from '../core/contract/names';
import { openCore } from '../core/open-core';
import { startDesktopIntegration } from './desktop';
import { startScheduler } from '../core/automation/scheduler';
import { registerServiceHandlers, senderIsWindow } from './ipc-handlers';
import { applySecurityRestrictions, secureWebPreferences } from './security';

const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererFile = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const rendererUrl = devServerUrl ?? new URL(`file://${rendererFile}`).href;

let mainWindow: BrowserWindow | null = null;

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'SiteVault',
    webPreferences: secureWebPreferences(preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    mainWindow = null;
  });
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererFile);
  return window;
}

function focusMainWindow(): void {
  if (!mainWindow) {
    mainWindow = createMainWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  applySecurityRestrictions();
  let core;
  try {
    core = await openCore({
      shell: 'electron',
      electronVersion: process.versions.electron ?? null,
      schedulerActive: true,
      keepJobHistory: true,
      // The save location is chosen here, in main, never sent from the renderer.
      chooseSavePath: async (suggestedName) => {
        const options = { title: 'Save the download', defaultPath: join(app.getPath('downloads'), suggestedName) };
        const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? null : result.filePath;
      },
      chooseFolder: async () => {
        const options = { title: 'Restore into this folder', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    });
  } catch (error) {
    dialog.showErrorBox('SiteVault cannot start', error instanceof Error ? error.message : String(error));
    app.exit(1);
    return;
  }
  registerServiceHandlers(
    core.handlers,
    senderIsWindow(() => mainWindow?.webContents.id, rendererUrl),
    (error) => console.error('internal error:', error),
  );
  core.events.subscribe((event) => mainWindow?.webContents.send(EVENT_CHANNEL, event));
  startDesktopIntegration(core, focusMainWindow);
  const scheduler = startScheduler(core, { onError: (error) => console.error('scheduler:', error) });
  // What the sleep made the machine miss runs once it is awake, given the network a moment to come back.
  powerMonitor.on('resume', () => scheduler.checkSoon(20_000));
  mainWindow = createMainWindow();
  app.on('activate', focusMainWindow);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);
  // Closing the window keeps SiteVault in the tray, where jobs go on; "Quit" in the tray ends it.
  app.on('window-all-closed', () => {});
  void app.whenReady().then(start);
}
