import { z } from 'zod';

/** When a site is backed up by itself: files daily at a local time, the database every N hours. */
export const scheduleSchema = z.object({
  files: z.object({ enabled: z.boolean(), time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (24-hour).') }),
  database: z.object({ enabled: z.boolean(), everyHours: z.number().int().min(1).max(24) }),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** The seeds' default for production sites; staging sites get none unless given one. */
export const DEFAULT_SCHEDULE: Schedule = { files: { enabled: true, time: '02:00' }, database: { enabled: true, everyHours: 6 } };

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
    files: schedule.files.enabled && before(last.files, latestDailySlot(schedule.files.time, now)),
    database: schedule.database.enabled && before(last.database, latestHourlySlot(schedule.database.everyHours, now)),
  };
}

/** The next time anything is due (for the dashboard's "next run"). */
export function nextRun(schedule: Schedule | null, now: Date): Date | null {
  if (!schedule) return null;
  const candidates: Date[] = [];
  if (schedule.files.enabled) {
    const next = latestDailySlot(schedule.files.time, now);
    next.setDate(next.getDate() + 1);
    candidates.push(next);
  }
  if (schedule.database.enabled) {
    const next = latestHourlySlot(schedule.database.everyHours, now);
    next.setHours(next.getHours() + schedule.database.everyHours);
    candidates.push(next);
  }
  return candidates.sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
}
