import { app, BrowserWindow, dialog, powerMonitor } from 'electron';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNEL } from '../core/contract/names';
import { openCore } from '../core/open-core';
import { APP_USER_MODEL_ID } from './app-identity';
import { startDesktopIntegration } from './desktop';
import { startScheduler } from '../core/automation/scheduler';
import { registerServiceHandlers, senderIsWindow } from './ipc-handlers';
import { MainWindowKeeper } from './main-window-keeper';
import { rendererUrl } from './renderer-location';
import { applySecurityRestrictions, secureWebPreferences } from './security';
import { runStartup } from './startup';

const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererFile = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const devServerUrl = (!app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined) ?? null;

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
  window.on('closed', () => mainWindow.closed());
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererFile);
  return window;
}

const mainWindow = new MainWindowKeeper(createMainWindow);

async function start(): Promise<void> {
  applySecurityRestrictions(devServerUrl);
  const core = await openCore({
    shell: 'electron',
    electronVersion: process.versions.electron ?? null,
    schedulerActive: true,
    keepJobHistory: true,
    watchSettings: true,
    // The save location is chosen here, in main, never sent from the renderer.
    chooseSavePath: async (suggestedName) => {
      const options = { title: 'Save the download', defaultPath: join(app.getPath('downloads'), suggestedName) };
      const window = mainWindow.window;
      const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    chooseFolder: async () => {
      const options = { title: 'Restore into this folder', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
      const window = mainWindow.window;
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    // The page on screen (the report, styled for print) is printed here; the file is chosen here too.
    savePdf: async (suggestedName) => {
      const window = mainWindow.window;
      if (!window) return null;
      const options = { title: 'Save the report as PDF', defaultPath: join(app.getPath('documents'), suggestedName), filters: [{ name: 'PDF', extensions: ['pdf'] }] };
      const result = await dialog.showSaveDialog(window, options);
      if (result.canceled || !result.filePath) return null;
      const pdf = await window.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
      await writeFile(result.filePath, pdf);
      return result.filePath;
    },
  });
  registerServiceHandlers(
    core.handlers,
    senderIsWindow(() => mainWindow.window?.webContents.id, rendererUrl(rendererFile, devServerUrl)),
    (error) => console.error('internal error:', error),
  );
  core.events.subscribe((event) => mainWindow.window?.webContents.send(EVENT_CHANNEL, event));
  startDesktopIntegration(core, () => mainWindow.show());
  const scheduler = startScheduler(core, { onError: (error) => console.error('scheduler:', error) });
  // What the sleep made the machine miss runs once it is awake, given the network a moment to come back.
  powerMonitor.on('resume', () => scheduler.checkSoon(20_000));
  mainWindow.started();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Windows shows notifications only for an app whose id matches its Start menu shortcut.
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  // A second instance, or a Dock click, during start-up creates nothing: the window is on its way.
  app.on('second-instance', () => mainWindow.show());
  app.on('activate', () => mainWindow.show());
  // Closing the window keeps SiteVault in the tray, where jobs go on; "Quit" in the tray ends it.
  app.on('window-all-closed', () => {});
  void app.whenReady().then(() =>
    runStartup(start, (message, error) => {
      console.error('SiteVault cannot start:', error);
      dialog.showErrorBox('SiteVault cannot start', message);
      app.exit(1);
    }),
  );
}
