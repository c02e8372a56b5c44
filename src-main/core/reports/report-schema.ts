import { z } from 'zod';

const runStatus = z.enum(['succeeded', 'failed']);

/** One site's month: what ran, what is kept, what was checked, and where it can be restored from. */
export const siteReportSchema = z.object({
  site: z.string(),
  tags: z.array(z.string()),
  destination: z.string().nullable(),
  backups: z.object({
    /** Runs that made a snapshot this month (a snapshot whose read-back found damage counts as failed). */
    succeeded: z.number(),
    failed: z.number(),
    runs: z.array(z.object({ started: z.string(), finished: z.string(), kind: z.enum(['both', 'files', 'database']), status: runStatus, snapshot: z.string().nullable(), error: z.string().nullable() })),
  }),
  /** The site's snapshots of this month still in its repository (null: the repository could not be read). */
  kept: z.array(z.object({ id: z.string(), time: z.string(), kind: z.enum(['both', 'files', 'database']), files: z.number(), bytes: z.number() })).nullable(),
  /** All of its restore points in the repository now (safety snapshots aside). */
  restorePoints: z.number().nullable(),
  restores: z.array(
    z.object({
      started: z.string(),
      finished: z.string().nullable(),
      status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
      /** Restored to the site itself, or into a folder on the computer. */
      target: z.enum(['site', 'folder']),
      snapshot: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  verifications: z.array(
    z.object({
      kind: z.enum(['after-backup', 'scheduled-check', 'test-restore']),
      time: z.string(),
      ok: z.boolean(),
      snapshot: z.string().nullable(),
      summary: z.string(),
      problems: z.number(),
    }),
  ),
  storage: z.object({
    bytes: z.number().nullable(),
    /** repository: the whole repository, which holds this site alone; snapshots: the new data its kept snapshots added (an estimate in a shared repository). */
    method: z.enum(['repository', 'snapshots']).nullable(),
    repositoryBytes: z.number().nullable(),
    /** Other sites with snapshots in the same repository. */
    sharedWith: z.number(),
  }),
  /** The latest snapshot (up to the month's end) that a read-back or test restore checked and found sound. */
  lastVerified: z.object({ snapshot: z.string(), time: z.string().nullable(), verified: z.string(), kind: z.enum(['after-backup', 'test-restore']), stillKept: z.boolean().nullable() }).nullable(),
  /** Why the repository could not be read (its snapshots and storage are then unknown). */
  repositoryError: z.string().nullable(),
});
export type SiteReport = z.infer<typeof siteReportSchema>;

export const clientReportSchema = z.object({
  month: z.string(),
  /** The month's bounds in local time, as instants. */
  from: z.string(),
  to: z.string(),
  generated: z.string(),
  scope: z.discriminatedUnion('kind', [z.object({ kind: z.literal('site'), site: z.string() }), z.object({ kind: z.literal('tag'), tag: z.string() })]),
  /** Who made the report (Settings): the freelancer's or agency's name and logo. */
  author: z.object({ name: z.string(), logo: z.string().nullable() }),
  sites: z.array(siteReportSchema),
  totals: z.object({
    backups: z.number(),
    failed: z.number(),
    kept: z.number().nullable(),
    restores: z.number(),
    testRestores: z.number(),
    checks: z.number(),
    problems: z.number(),
    storageBytes: z.number().nullable(),
  }),
});
export type ClientReport = z.infer<typeof clientReportSchema>;
