import { app, Menu, Notification, nativeImage, powerSaveBlocker, Tray } from 'electron';
import { join } from 'node:path';
import { Catalog } from '../core/automation/catalog';
import type { Core } from '../core/open-core';
import { ActivityCounter, alertForJob, staleSites, type Alert } from '../core/alerts/desktop-alerts';

const STALE_CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

function notify(alert: Alert): void {
  if (Notification.isSupported()) new Notification({ title: alert.title, body: alert.body }).show();
}

function iconPath(): string {
  return app.isPackaged ? join(process.resourcesPath, 'icon.png') : join(app.getAppPath(), 'resources', 'icon.png');
}

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

  const tray = new Tray(nativeImage.createFromPath(iconPath()).resize({ width: 18, height: 18 }));
  tray.setToolTip('SiteVault');
  tray.on('click', showWindow);

  async function backUpAll(): Promise<void> {
    const { sites } = await core.handlers['site:list']({});
    for (const site of sites.filter((s) => s.destination)) {
      await core.handlers['backup:run']({ site: site.name, scope: 'both' }).catch((error: unknown) => notify({ title: `Cannot back up ${site.name}`, body: error instanceof Error ? error.message : String(error) }));
    }
  }

  function refresh(): void {
    const status = activity.count > 0 ? `${activity.count} job${activity.count === 1 ? '' : 's'} running` : 'Idle';
    tray.setToolTip(`SiteVault: ${status}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: status, enabled: false },
        { type: 'separator' },
        { label: 'Open SiteVault', click: showWindow },
        { label: 'Back up all now', click: () => void backUpAll() },
        { type: 'separator' },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: app.getLoginItemSettings().openAtLogin,
          click: (item) => app.setLoginItemSettings({ openAtLogin: item.checked }),
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
    notify({ title: `${cutShort.length} job${cutShort.length > 1 ? 's were' : ' was'} interrupted`, body: `${cutShort.map((j) => j.title).join(', ')}: SiteVault stopped while ${cutShort.length > 1 ? 'they' : 'it'} ran. Resume from Activity.` });
  }
  const catalog = new Catalog(core.dataDir);
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
