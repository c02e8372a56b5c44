import { describe, expect, it } from 'vitest';
import { MissedAlerts, missedAlertsMenu } from './missed-alerts';

describe('alerts the system did not show', () => {
  it('wait in the tray menu, newest first, each opening SiteVault, with a way to dismiss them', () => {
    let changes = 0;
    const missed = new MissedAlerts(() => changes++);
    missed.add({ title: 'Backup failed: client-a', body: 'Connection refused.' });
    missed.add({ title: 'Damage found: Offsite', body: '2 packs are damaged.' });
    expect(changes).toBe(2);
    expect(missedAlertsMenu(missed.list)).toEqual([
      { label: '2 alerts not shown by the system:', enabled: false },
      { label: 'Damage found: Offsite: 2 packs are damaged.', action: 'open' },
      { label: 'Backup failed: client-a: Connection refused.', action: 'open' },
      { label: 'Dismiss these alerts', action: 'dismiss' },
      { label: '', type: 'separator' },
    ]);
    missed.clear();
    expect(missedAlertsMenu(missed.list)).toEqual([]);
    expect(changes).toBe(3);
  });

  it('keeps the newest ten, on one short line each', () => {
    const missed = new MissedAlerts(() => {});
    for (let i = 1; i <= 12; i++) missed.add({ title: `Alert ${i}`, body: `line one\nline two ${'x'.repeat(200)}` });
    expect(missed.list).toHaveLength(10);
    expect(missed.list[0]!.title).toBe('Alert 12');
    const label = missedAlertsMenu(missed.list)[1]!.label;
    expect(label).not.toContain('\n');
    expect(label.length).toBeLessThanOrEqual(90);
    expect(label.endsWith('…')).toBe(true);
  });
});
