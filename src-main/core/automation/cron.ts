/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), in local time:
 * `*`, numbers, lists (`1,15`), ranges (`1-5`) and steps (`*\/15`, `0-30/10`). Day of week
 * is 0-7 (0 and 7 are Sunday). As in Vixie cron, when both day fields are restricted, a day
 * matches if either does.
 */
export interface CronExpression {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

export class CronError extends Error {}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new CronError(`The ${field.name} field "${text}" is not valid cron syntax.`);
    const step = match[4] ? Number(match[4]) : 1;
    const from = match[1] === '*' ? field.min : Number(match[2]);
    const to = match[1] === '*' ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] ? field.max : from;
    if (step < 1 || from < field.min || to > field.max || from > to) throw new CronError(`The ${field.name} field "${text}" is outside ${field.min}-${field.max}.`);
    for (let v = from; v <= to; v += step) values.add(field.name === 'day of week' && v === 7 ? 0 : v);
  }
  return values;
}

export function parseCron(expression: string): CronExpression {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError(`A cron expression has 5 fields (minute hour day month weekday); "${expression}" has ${parts.length}.`);
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(part, FIELDS[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return { minutes, hours, days, months, weekdays, anyDay: parts[2] === '*', anyWeekday: parts[4] === '*' };
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  if (!cron.months.has(date.getMonth() + 1)) return false;
  const day = cron.days.has(date.getDate());
  const weekday = cron.weekdays.has(date.getDay());
  if (cron.anyDay && cron.anyWeekday) return true;
  if (cron.anyDay) return weekday;
  if (cron.anyWeekday) return day;
  return day || weekday;
}

const SEARCH_DAYS = 366 * 5;

/** The latest time the expression fires that is not after `now` (null if none in five years). */
export function previousFire(cron: CronExpression, now: Date): Date | null {
  const day = new Date(now);
  for (let d = 0; d < SEARCH_DAYS; d++) {
    if (dayMatches(cron, day)) {
      const lastHour = d === 0 ? now.getHours() : 23;
      for (let h = lastHour; h >= 0; h--) {
        if (!cron.hours.has(h)) continue;
        const lastMinute = d === 0 && h === now.getHours() ? now.getMinutes() : 59;
        for (let m = lastMinute; m >= 0; m--) {
          if (cron.minutes.has(m)) return new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, 0, 0);
        }
      }
    }
    day.setDate(day.getDate() - 1);
  }
  return null;
}

/** The first time the expression fires after `now` (null if none in five years). */
export function nextFire(cron: CronExpression, now: Date): Date | null {
  const day = new Date(now);
  for (let d = 0; d < SEARCH_DAYS; d++) {
    if (dayMatches(cron, day)) {
      const firstHour = d === 0 ? now.getHours() : 0;
      for (let h = firstHour; h <= 23; h++) {
        if (!cron.hours.has(h)) continue;
        const firstMinute = d === 0 && h === now.getHours() ? now.getMinutes() + 1 : 0;
        for (let m = firstMinute; m <= 59; m++) {
          if (cron.minutes.has(m)) return new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, 0, 0);
        }
      }
    }
    day.setDate(day.getDate() + 1);
  }
  return null;
}
