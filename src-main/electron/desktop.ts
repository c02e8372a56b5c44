import { app, Menu, Notification, nativeImage, powerSaveBlocker, Tray, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { Core } from '../core/open-core';
import { ActivityCounter, alertForJob, staleSites, type Alert } from '../core/alerts/desktop-alerts';
import { autostartEnabled, autostartFile, launchCommand, setAutostart } from './linux-autostart';
import { MissedAlerts, missedAlertsMenu } from './missed-alerts';
import { trayIconFile } from './tray-icon';

const STALE_CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

function resourcesDir(): string {
  return app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources');
}

/** "Start at login": Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
const loginItem =
  process.platform === 'linux'
    ? {
        get: () => autostartEnabled(autostartFile()),
        set: (on: boolean) => setAutostart(autostartFile(), on, launchCommand({ isPackaged: app.isPackaged, execPath: process.execPath, appPath: app.getAppPath(), appImage: process.env['APPIMAGE'] })),
      }
    : {
        get: () => app.getLoginItemSettings().openAtLogin,
        set: (on: boolean) => app.setLoginItemSettings({ openAtLogin: on }),
      };

/**
 * The desktop side of the app: a tray icon with the status and "Back up all now" (the app
 * keeps running there when its window is closed), native notifications for failed jobs and
 * stale sites, power-save blocking while jobs run, and an optional start at login.
 */
export function startDesktopIntegration(core: Core, showWindow: () => void): { tray: Tray; stop(): void } {
  let blocker: number | null = null;
  const activity = new ActivityCounter((busy) => {
    if (busy && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension');
    else if (!busy && blocker !== null) {
      powerSaveBlocker.stop(blocker);
      blocker = null;
    }
    refresh();
  });

  const tray = new Tray(nativeImage.createFromPath(trayIconFile(process.platform, resourcesDir())));
  tray.setToolTip('SiteVault');
  tray.on('click', showWindow);

  const missed = new MissedAlerts(() => refresh());
  // Kept referenced until the system is done with them, or their events would be lost.
  const shown = new Set<Notification>();
  function notify(alert: Alert): void {
    if (!Notification.isSupported()) {
      missed.add(alert);
      return;
    }
    const notification = new Notification({ title: alert.title, body: alert.body });
    shown.add(notification);
    notification.on('click', () => showWindow());
    notification.on('close', () => shown.delete(notification));
    notification.on('failed', (_event, error) => {
      shown.delete(notification);
      console.error('notification not shown:', error);
      missed.add(alert);
    });
    notification.show();
  }

  function openMissed(): void {
    missed.clear();
    showWindow();
  }

  async function backUpAll(): Promise<void> {
    const { sites } = await core.handlers['site:list']({});
    for (const site of sites.filter((s) => s.destination)) {
      await core.handlers['backup:run']({ site: site.name, scope: 'both', tags: [] }).catch((error: unknown) =>
        notify({ title: `Cannot back up ${site.name}`, body: error instanceof Error ? error.message : String(error) }),
      );
    }
  }

  function refresh(): void {
    const status = activity.count > 0 ? `${activity.count} job${activity.count === 1 ? '' : 's'} running` : 'Idle';
    const unseen = missed.list.length;
    tray.setToolTip(`SiteVault: ${status}${unseen ? `, ${unseen} alert${unseen === 1 ? '' : 's'}` : ''}`);
    if (process.platform === 'darwin') {
      tray.setTitle(unseen ? String(unseen) : '');
      app.dock?.setBadge(unseen ? String(unseen) : '');
    }
    const alertItems = missedAlertsMenu(missed.list).map(({ action, ...item }): MenuItemConstructorOptions => ({
      ...item,
      ...(action === 'open' ? { click: openMissed } : action === 'dismiss' ? { click: () => missed.clear() } : {}),
    }));
    tray.setContextMenu(
      Menu.buildFromTemplate([
        ...alertItems,
        { label: status, enabled: false },
        { type: 'separator' },
        { label: 'Open SiteVault', click: showWindow },
        { label: 'Back up all now', click: () => void backUpAll() },
        { type: 'separator' },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: loginItem.get(),
          click: (item) => {
            try {
              loginItem.set(item.checked);
            } catch (error) {
              notify({ title: 'Start at login was not changed', body: error instanceof Error ? error.message : String(error) });
            }
            refresh();
          },
        },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  }

  const unsubscribe = core.events.subscribe((event) => {
    if (event.name === 'job:progress') activity.started(event.payload.id);
    else if (event.name === 'job:finished') {
      activity.finished(event.payload.id);
      const alert = alertForJob(event.payload);
      if (alert) notify(alert);
    }
  });

  const cutShort = core.interruptedAtStart.filter((job) => job.resumable);
  if (cutShort.length > 0) {
    notify({
      title: `${cutShort.length} job${cutShort.length > 1 ? 's were' : ' was'} interrupted`,
      body: `${cutShort.map((j) => j.title).join(', ')}: SiteVault stopped while ${cutShort.length > 1 ? 'they' : 'it'} ran. Resume from Activity.`,
    });
  }
  const catalog = core.catalog;
  const checkStale = () =>
    void catalog
      .read()
      .then((data) => staleSites(core.settings.data.sites, (site) => data.sites[site]?.files ?? null).forEach(notify))
      .catch(() => {});
  const staleTimer = setInterval(checkStale, STALE_CHECK_EVERY_MS);
  setTimeout(checkStale, 60_000).unref();
  refresh();

  return {
    tray,
    stop() {
      unsubscribe();
      clearInterval(staleTimer);
      if (blocker !== null) powerSaveBlocker.stop(blocker);
      tray.destroy();
    },
  };
}
