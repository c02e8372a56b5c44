import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, dueNow, effectiveSchedule, nextRun } from './schedule';

// Local times on purpose: schedules follow the laptop's clock.
const at = (text: string) => new Date(text);

describe('schedules with an injected clock', () => {
  it('production sites get the default; staging sites get none', () => {
    expect(effectiveSchedule({ environment: 'production', schedule: null })).toEqual(DEFAULT_SCHEDULE);
    expect(effectiveSchedule({ environment: 'staging', schedule: null })).toBeNull();
    expect(dueNow(effectiveSchedule({ environment: 'staging', schedule: null }), {}, at('2026-11-22T12:00'))).toEqual({ files: false, database: false });
  });

  it('fires the daily file backup at its time, once', () => {
    const lastNight = at('2026-11-22T02:05').toISOString();
    expect(dueNow(DEFAULT_SCHEDULE, { files: lastNight, database: lastNight }, at('2026-11-22T23:59')).files).toBe(false);
    expect(dueNow(DEFAULT_SCHEDULE, { files: lastNight, database: lastNight }, at('2026-11-23T01:59')).files).toBe(false);
    expect(dueNow(DEFAULT_SCHEDULE, { files: lastNight, database: lastNight }, at('2026-11-23T02:00')).files).toBe(true);
  });

  it('fires the database every 6 hours', () => {
    const run = at('2026-11-22T06:10').toISOString();
    expect(dueNow(DEFAULT_SCHEDULE, { files: run, database: run }, at('2026-11-22T11:59')).database).toBe(false);
    expect(dueNow(DEFAULT_SCHEDULE, { files: run, database: run }, at('2026-11-22T12:00')).database).toBe(true);
  });

  it('after a three-day sleep, each kind is due once, not once per missed slot', () => {
    const before = at('2026-11-19T02:01').toISOString();
    const woke = at('2026-11-22T09:30');
    expect(dueNow(DEFAULT_SCHEDULE, { files: before, database: before }, woke)).toEqual({ files: true, database: true });
    const ran = woke.toISOString();
    expect(dueNow(DEFAULT_SCHEDULE, { files: ran, database: ran }, at('2026-11-22T09:31'))).toEqual({ files: false, database: false });
  });

  it('a site never backed up is due at once; the next run is the nearest slot', () => {
    expect(dueNow(DEFAULT_SCHEDULE, {}, at('2026-11-22T15:00'))).toEqual({ files: true, database: true });
    expect(nextRun(DEFAULT_SCHEDULE, at('2026-11-22T15:00'))).toEqual(at('2026-11-22T18:00'));
    expect(nextRun({ ...DEFAULT_SCHEDULE, database: { enabled: false, everyHours: 6 } }, at('2026-11-22T15:00'))).toEqual(at('2026-11-23T02:00'));
  });
});
