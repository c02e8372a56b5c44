import { Cron } from 'croner';

/**
 * Cron expressions, in local time, through croner: five fields (minute hour day-of-month
 * month day-of-week) with `*`, numbers, names (`MON-FRI`, `JAN`), lists, ranges and steps,
 * or a nickname (`@daily`, `@weekly`, `@monthly`, `@yearly`, `@hourly`). Day of week is 0-7
 * (0 and 7 are Sunday). As in Vixie cron, when both day fields are restricted a day matches
 * if either does; a field that starts with `*` (`*`, `*\/1`, `*\/2`) is not a restriction.
 */
export type CronExpression = Cron;

export class CronError extends Error {}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

function compile(pattern: string, domAndDow: boolean): Cron {
  // Never started: croner only computes the times here.
  return new Cron(pattern, { mode: '5-part', domAndDow, paused: true });
}

export function parseCron(expression: string): CronExpression {
  const text = expression.trim();
  if (text.startsWith('@')) {
    if (!NICKNAMES.includes(text.toLowerCase())) throw new CronError(`"${text}" is not a cron nickname (${NICKNAMES.join(', ')}).`);
    return compile(text.toLowerCase(), false);
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`A cron expression has 5 fields (minute hour day month weekday); "${expression}" has ${parts.length}.`);
  // Vixie cron: a day field that starts with `*` is no restriction, so the other day field decides alone.
  const domAndDow = parts[2]!.startsWith('*') || parts[4]!.startsWith('*');
  try {
    return compile(parts.join(' '), domAndDow);
  } catch (error) {
    throw fieldError(parts, error);
  }
}

/** croner names what it refuses in its own words: find the field, and say it in ours. */
function fieldError(parts: string[], error: unknown): CronError {
  for (let i = 0; i < FIELDS.length; i++) {
    const alone = parts.map((part, j) => (j === i ? part : '*')).join(' ');
    try {
      compile(alone, true);
    } catch (fieldFailure) {
      const field = FIELDS[i]!;
      const outside = fieldFailure instanceof RangeError || /larger than|out of range/i.test((fieldFailure as Error).message);
      return new CronError(outside ? `The ${field.name} field "${parts[i]}" is outside ${field.min}-${field.max}.` : `The ${field.name} field "${parts[i]}" is not valid cron syntax.`);
    }
  }
  return new CronError(`"${parts.join(' ')}" is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`);
}

/** The latest time the expression fires that is not after `now` (null if it never did). */
export function previousFire(cron: CronExpression, now: Date): Date | null {
  // croner counts a run earlier in the same second as its reference: one at `now` itself counts.
  return cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
}

/** The first time the expression fires after `now` (null if it never will). */
export function nextFire(cron: CronExpression, now: Date): Date | null {
  return cron.nextRun(now);
}
