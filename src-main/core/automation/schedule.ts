import { z } from 'zod';
import { CronError, nextFire, parseCron, previousFire } from './cron';

/**
 * When a site is backed up by itself: files daily or weekly at a local time, or on a cron
 * expression; the database every N hours.
 */
export const scheduleSchema = z.object({
  files: z
    .object({
      enabled: z.boolean(),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (24-hour).'),
      frequency: z.enum(['daily', 'weekly', 'cron']).default('daily'),
      /** weekly: the day, 0 = Sunday … 6 = Saturday. */
      weekday: z.number().int().min(0).max(6).default(0),
      /** cron: five fields, local time (`30 1 * * 1-5`: 01:30 on weekdays). */
      cron: z.string().nullable().default(null),
    })
    .superRefine((files, context) => {
      if (files.frequency !== 'cron') return;
      try {
        parseCron(files.cron ?? '');
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['cron'], message: error instanceof CronError ? error.message : 'Not a cron expression.' });
      }
    }),
  database: z.object({ enabled: z.boolean(), everyHours: z.number().int().min(1).max(24) }),
});
export type Schedule = z.infer<typeof scheduleSchema>;
type FilesSchedule = Schedule['files'];

/** The seeds' default for production sites; staging sites get none unless given one. */
export const DEFAULT_SCHEDULE: Schedule = { files: { enabled: true, time: '02:00', frequency: 'daily', weekday: 0, cron: null }, database: { enabled: true, everyHours: 6 } };

/** The latest slot of the files schedule not after `now` (the epoch when a cron never fired). */
export function latestFilesSlot(files: FilesSchedule, now: Date): Date {
  if (files.frequency === 'cron') return previousFire(parseCron(files.cron ?? ''), now) ?? new Date(0);
  const slot = latestDailySlot(files.time, now);
  if (files.frequency === 'weekly') while (slot.getDay() !== files.weekday) slot.setDate(slot.getDate() - 1);
  return slot;
}

function nextFilesSlot(files: FilesSchedule, now: Date): Date | null {
  if (files.frequency === 'cron') return nextFire(parseCron(files.cron ?? ''), now);
  const next = latestDailySlot(files.time, now);
  next.setDate(next.getDate() + 1);
  if (files.frequency === 'weekly') while (next.getDay() !== files.weekday) next.setDate(next.getDate() + 1);
  return next;
}

export function effectiveSchedule(site: { environment: 'production' | 'staging'; schedule: Schedule | null }): Schedule | null {
  return site.schedule ?? (site.environment === 'production' ? DEFAULT_SCHEDULE : null);
}

/** The latest daily slot at `time` (local) that is not after `now`. */
export function latestDailySlot(time: string, now: Date): Date {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const slot = new Date(now);
  slot.setHours(hours, minutes, 0, 0);
  if (slot > now) slot.setDate(slot.getDate() - 1);
  return slot;
}

/** The latest slot of an every-N-hours schedule (aligned to local midnight) not after `now`. */
export function latestHourlySlot(everyHours: number, now: Date): Date {
  const slot = new Date(now);
  slot.setMinutes(0, 0, 0);
  slot.setHours(Math.floor(now.getHours() / everyHours) * everyHours);
  return slot;
}

export interface LastRuns {
  files?: string | null;
  database?: string | null;
}

/**
 * What is due now. A run is due when the last one is older than the latest slot, so runs
 * missed while the laptop slept or the app was closed are made up once, not once per slot.
 * A site never backed up is due at once.
 */
export function dueNow(schedule: Schedule | null, last: LastRuns, now: Date): { files: boolean; database: boolean } {
  if (!schedule) return { files: false, database: false };
  const before = (iso: string | null | undefined, slot: Date) => !iso || Date.parse(iso) < slot.getTime();
  return {
    files: schedule.files.enabled && before(last.files, latestFilesSlot(schedule.files, now)),
    database: schedule.database.enabled && before(last.database, latestHourlySlot(schedule.database.everyHours, now)),
  };
}

/** The next time anything is due (for the dashboard's "next run"). */
export function nextRun(schedule: Schedule | null, now: Date): Date | null {
  if (!schedule) return null;
  const candidates: Date[] = [];
  if (schedule.files.enabled) {
    const next = nextFilesSlot(schedule.files, now);
    if (next) candidates.push(next);
  }
  if (schedule.database.enabled) {
    const next = latestHourlySlot(schedule.database.everyHours, now);
    next.setHours(next.getHours() + schedule.database.everyHours);
    candidates.push(next);
  }
  return candidates.sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
}
