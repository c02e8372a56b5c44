import { z } from 'zod';

/** A site's grandfather-father-son policy: how many daily, weekly, monthly and yearly snapshots to keep. */
export const retentionSchema = z.object({
  daily: z.number().int().min(0).max(365),
  weekly: z.number().int().min(0).max(104),
  monthly: z.number().int().min(0).max(120),
  yearly: z.number().int().min(0).max(50),
});
export type Retention = z.infer<typeof retentionSchema>;

/** The seeds: 12 daily, 3 monthly, 1 yearly. */
export const DEFAULT_RETENTION: Retention = { daily: 12, weekly: 0, monthly: 3, yearly: 1 };
