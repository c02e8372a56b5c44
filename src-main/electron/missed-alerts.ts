import type { Alert } from '../core/alerts/desktop-alerts';

const KEPT = 10;

/**
 * Alerts the system did not show: an unsigned macOS build gets Notification's `failed` event
 * instead of a notification, and some Linux desktops have no notification server. They wait
 * in the tray menu (with a count on the tray and, on macOS, the Dock) until the user opens
 * SiteVault or dismisses them. The newest ten are kept.
 */
export class MissedAlerts {
  #alerts: Alert[] = [];

  constructor(private readonly onChange: () => void) {}

  add(alert: Alert): void {
    this.#alerts = [alert, ...this.#alerts].slice(0, KEPT);
    this.onChange();
  }

  clear(): void {
    if (this.#alerts.length === 0) return;
    this.#alerts = [];
    this.onChange();
  }

  get list(): readonly Alert[] {
    return this.#alerts;
  }
}

export interface AlertMenuItem {
  label: string;
  enabled?: boolean;
  type?: 'separator';
  /** Opens SiteVault (and clears the list), or only clears it. */
  action?: 'open' | 'dismiss';
}

/** The tray menu's section for missed alerts: nothing when there are none. */
export function missedAlertsMenu(alerts: readonly Alert[]): AlertMenuItem[] {
  if (alerts.length === 0) return [];
  return [
    { label: `${alerts.length} alert${alerts.length === 1 ? '' : 's'} not shown by the system:`, enabled: false },
    ...alerts.map((alert): AlertMenuItem => ({ label: menuLabel(alert), action: 'open' })),
    { label: 'Dismiss these alerts', action: 'dismiss' },
    { label: '', type: 'separator' },
  ];
}

/** One line: a menu item shows no second line, and a long error would make the menu unusable. */
function menuLabel(alert: Alert): string {
  const text = `${alert.title}: ${alert.body}`.replace(/\s+/g, ' ').trim();
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}
