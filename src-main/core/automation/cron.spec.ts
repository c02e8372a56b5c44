import { describe, expect, it } from 'vitest';
import { nextFire, parseCron, previousFire } from './cron';
import { DEFAULT_SCHEDULE, dueNow, nextRun, scheduleSchema } from './schedule';

const at = (text: string) => new Date(text);

describe('cron expressions', () => {
  it('finds the previous and next firing of "30 1 * * 1-5" (01:30 on weekdays)', () => {
    const cron = parseCron('30 1 * * 1-5');
    // 2026-11-22 is a Sunday: the last firing was Friday 01:30, the next is Monday 01:30.
    expect(previousFire(cron, at('2026-11-22T12:00'))).toEqual(at('2026-11-20T01:30'));
    expect(nextFire(cron, at('2026-11-22T12:00'))).toEqual(at('2026-11-23T01:30'));
    expect(previousFire(cron, at('2026-11-23T01:30'))).toEqual(at('2026-11-23T01:30'));
    expect(nextFire(cron, at('2026-11-23T01:30'))).toEqual(at('2026-11-24T01:30'));
  });

  it('handles steps, lists, Sunday as 7, and either day field when both are set', () => {
    expect(previousFire(parseCron('*/15 * * * *'), at('2026-11-22T12:44'))).toEqual(at('2026-11-22T12:30'));
    expect(nextFire(parseCron('0 3,15 * * *'), at('2026-11-22T12:00'))).toEqual(at('2026-11-22T15:00'));
    expect(previousFire(parseCron('0 4 * * 7'), at('2026-11-22T12:00'))).toEqual(at('2026-11-22T04:00'));
    // The 1st of the month or any Monday.
    expect(nextFire(parseCron('0 0 1 * 1'), at('2026-11-24T12:00'))).toEqual(at('2026-11-30T00:00'));
    expect(nextFire(parseCron('0 0 1 * 1'), at('2026-11-30T12:00'))).toEqual(at('2026-12-01T00:00'));
  });

  it('takes month and weekday names, and nicknames such as @daily and @weekly', () => {
    expect(nextFire(parseCron('0 2 * * MON-FRI'), at('2026-11-21T12:00'))).toEqual(at('2026-11-23T02:00'));
    expect(nextFire(parseCron('30 3 1 jan *'), at('2026-11-22T12:00'))).toEqual(at('2027-01-01T03:30'));
    expect(previousFire(parseCron('@daily'), at('2026-11-22T12:00'))).toEqual(at('2026-11-22T00:00'));
    expect(nextFire(parseCron('@daily'), at('2026-11-22T12:00'))).toEqual(at('2026-11-23T00:00'));
    expect(nextFire(parseCron('@weekly'), at('2026-11-24T12:00'))).toEqual(at('2026-11-29T00:00'));
    expect(nextFire(parseCron('@hourly'), at('2026-11-22T12:10'))).toEqual(at('2026-11-22T13:00'));
    expect(nextFire(parseCron('@monthly'), at('2026-11-22T12:00'))).toEqual(at('2026-12-01T00:00'));
  });

  it('a day field that starts with * is no restriction: "*/1" is "*", and "*/2" narrows the weekday', () => {
    // Mondays only, as "0 0 * * 1": not every day (the 1st-of-month-or-Monday rule is for two restricted fields).
    expect(nextFire(parseCron('0 0 */1 * 1'), at('2026-11-24T12:00'))).toEqual(at('2026-11-30T00:00'));
    // Odd days that are Mondays (Vixie cron): 2026-11-23 is an odd Monday; the 30th is even; the next is 7 December.
    expect(nextFire(parseCron('0 0 */2 * 1'), at('2026-11-22T12:00'))).toEqual(at('2026-11-23T00:00'));
    expect(nextFire(parseCron('0 0 */2 * 1'), at('2026-11-24T12:00'))).toEqual(at('2026-12-07T00:00'));
    expect(previousFire(parseCron('*/1 */1 * * *'), at('2026-11-22T12:44'))).toEqual(at('2026-11-22T12:44'));
  });

  it('refuses malformed expressions with a message that says which field', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/minute field "61" is outside 0-59/);
    expect(() => parseCron('* * *')).toThrow(/5 fields/);
    expect(() => parseCron('0 x * * *')).toThrow(/hour field "x" is not valid cron syntax/);
    expect(() => parseCron('0 0 0 * *')).toThrow(/day of month field "0" is outside 1-31/);
    expect(() => parseCron('0 0 * 13 *')).toThrow(/month field "13" is outside 1-12/);
    expect(() => parseCron('0 0 * * 5-1')).toThrow(/day of week field "5-1"/);
    expect(() => parseCron('0 0 * * FUNDAY')).toThrow(/day of week field "FUNDAY"/);
    expect(() => parseCron('@sometimes')).toThrow(/not a cron nickname.*@daily/);
    expect(() => parseCron('* * * * * *')).toThrow(/5 fields/);
    const parsed = scheduleSchema.safeParse({ files: { enabled: true, time: '02:00', frequency: 'cron', cron: '0 25 * * *' }, database: { enabled: false, everyHours: 6 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/hour field "25"/);
  });
});

describe('weekly and cron schedules', () => {
  const weekly = { ...DEFAULT_SCHEDULE, files: { ...DEFAULT_SCHEDULE.files, frequency: 'weekly' as const, weekday: 1 }, database: { enabled: false, everyHours: 6 } };
  const cron = { ...DEFAULT_SCHEDULE, files: { ...DEFAULT_SCHEDULE.files, frequency: 'cron' as const, cron: '0 */12 * * *' }, database: { enabled: false, everyHours: 6 } };

  it('a weekly schedule fires on its day only, once', () => {
    const lastMonday = at('2026-11-16T02:10').toISOString();
    expect(dueNow(weekly, { files: lastMonday }, at('2026-11-22T23:00')).files).toBe(false);
    expect(dueNow(weekly, { files: lastMonday }, at('2026-11-23T02:00')).files).toBe(true);
    expect(nextRun(weekly, at('2026-11-22T23:00'))).toEqual(at('2026-11-23T02:00'));
    expect(nextRun(weekly, at('2026-11-23T03:00'))).toEqual(at('2026-11-30T02:00'));
  });

  it('a cron schedule fires at its times; a missed one runs once', () => {
    const ran = at('2026-11-22T00:05').toISOString();
    expect(dueNow(cron, { files: ran }, at('2026-11-22T11:59')).files).toBe(false);
    expect(dueNow(cron, { files: ran }, at('2026-11-22T12:00')).files).toBe(true);
    expect(dueNow(cron, { files: ran }, at('2026-11-25T09:00')).files).toBe(true);
    expect(nextRun(cron, at('2026-11-22T12:30'))).toEqual(at('2026-11-23T00:00'));
  });
});
