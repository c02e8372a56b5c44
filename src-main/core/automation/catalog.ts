import { unwatchFile, watchFile } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { jobSchema, verificationSchema } from '../contract/operations';
import { replaceFile, withFileLock, type FileLockOptions } from '../settings/shared-file';

const runSchema = z.object({
  site: z.string(),
  kind: z.enum(['both', 'files', 'database']),
  started: z.string(),
  finished: z.string(),
  status: z.enum(['succeeded', 'failed']),
  snapshot: z.string().nullable(),
  error: z.string().nullable(),
  /** The error's code (contract/errors.ts), so that screens can tell a configuration error from a passing fault. */
  code: z.string().nullable().default(null),
  hint: z.string().nullable().default(null),
  removed: z.number(),
});
export type CatalogRun = z.input<typeof runSchema>;

export type CatalogVerification = z.infer<typeof verificationSchema>;

const databaseSettingsSchema = z.object({ host: z.string(), name: z.string() });
export type DatabaseSettingsSeen = z.infer<typeof databaseSettingsSchema>;

/**
 * What the dashboard shows of a site's own snapshots (not safety snapshots) in its destination,
 * kept here so that a visit reads one file instead of opening every repository.
 */
export const siteSummarySchema = z.object({
  /** The destination the summary describes: a summary of another one is not shown. */
  destination: z.string(),
  snapshots: z.number().int().nonnegative(),
  latest: z
    .object({
      id: z.string(),
      time: z.string(),
      kind: z.enum(['both', 'files', 'database']),
      bytes: z.number(),
      warnings: z.number(),
      /** The database was asked for but could not be dumped: the snapshot holds the files alone. */
      databaseMissing: z.boolean().default(false),
    })
    .nullable(),
  /** When the latest own snapshot holding a database dump was taken; null when none does. */
  lastDatabase: z.string().nullable(),
  /** Whether the site's last backup found a WordPress site (null: not known). */
  wordpress: z.boolean().nullable().default(null),
  updated: z.string(),
});
export type SiteSummary = z.infer<typeof siteSummarySchema>;

const siteRecordSchema = z.object({
  files: z.string().nullable().default(null),
  database: z.string().nullable().default(null),
  copy: z.string().nullable().default(null),
  /** The database a site's wp-config.php named when SiteVault first read it (its setup). */
  databaseSettings: databaseSettingsSchema.extend({ since: z.string() }).nullable().default(null),
  /** Another database wp-config.php named later: a change the user has not confirmed. */
  databaseSettingsChanged: databaseSettingsSchema.extend({ seen: z.string() }).nullable().default(null),
  /** The outcome of the site's latest backup run, whoever ran it (the app, the scheduler, run-due, the CLI). */
  lastRun: z
    .object({ status: z.enum(['succeeded', 'failed']), finished: z.string(), error: z.string().nullable(), code: z.string().nullable(), hint: z.string().nullable().default(null) })
    .nullable()
    .default(null),
  /** When the latest backup that succeeded without damage finished. */
  lastGood: z.string().nullable().default(null),
  /** Runs that failed since the last good one, and when the first of them finished. */
  failures: z.number().int().nonnegative().default(0),
  failingSince: z.string().nullable().default(null),
  summary: siteSummarySchema.nullable().default(null),
});
type SiteRecord = z.infer<typeof siteRecordSchema>;
export type CatalogSiteRecord = SiteRecord;

/** The record of a site the catalog has not heard of yet. */
export function emptySiteRecord(): SiteRecord {
  return siteRecordSchema.parse({});
}

function siteRecord(data: CatalogData, site: string): SiteRecord {
  return (data.sites[site] ??= siteRecordSchema.parse({}));
}

const catalogSchema = z.object({
  version: z.literal(1),
  sites: z.record(z.string(), siteRecordSchema),
  destinations: z.record(z.string(), z.object({ lastPrune: z.string().nullable().default(null), lastCheck: z.string().nullable().default(null) })),
  history: z.array(runSchema),
  jobs: z.array(jobSchema).default([]),
  verifications: z.array(verificationSchema).default([]),
  /** When an email last reported stale sites (they are reported once a day, not at every run). */
  emails: z.object({ lastStale: z.string().nullable().default(null) }).default({ lastStale: null }),
});
export type CatalogData = z.infer<typeof catalogSchema>;

const HISTORY_KEPT = 1000;
const JOBS_KEPT = 300;
const VERIFICATIONS_KEPT = 500;

function emptyCatalog(): CatalogData {
  return { version: 1, sites: {}, destinations: {}, history: [], jobs: [], verifications: [], emails: { lastStale: null } };
}

/**
 * The catalog (`catalog.json` in the data folder): when each site was last backed up by
 * kind, when each destination was last pruned and checked, the history of scheduled runs,
 * of jobs and of verifications. The app, the CLI and `run-due` all record here: every change
 * takes the file's inter-process lock, re-reads the file, and replaces it atomically
 * (temporary file, then rename), so a crash never leaves half of it and no writer, in this
 * process or another, loses another's work.
 */
export class Catalog {
  readonly file: string;
  readonly #lockOptions: FileLockOptions;
  /** The file as this process last wrote it, so that watching reports only other processes' changes. */
  #written: string | null = null;

  constructor(dataDir: string, lockOptions: FileLockOptions = {}) {
    this.file = join(dataDir, 'catalog.json');
    this.#lockOptions = lockOptions;
  }

  async read(): Promise<CatalogData> {
    try {
      return catalogSchema.parse(JSON.parse(await readFile(this.file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyCatalog();
      throw new Error(`The catalog ${this.file} cannot be read (${(error as Error).message}); move it away to start a new one.`, { cause: error });
    }
  }

  /** Applies a change to the latest catalog and saves it, under the lock: changes never interleave. */
  update<T>(change: (data: CatalogData) => T): Promise<T> {
    return withFileLock(
      this.file,
      async () => {
        const data = await this.read();
        const result = change(data);
        await replaceFile(this.file, JSON.stringify(data, null, 2));
        this.#written = await fileSignature(this.file);
        return result;
      },
      this.#lockOptions,
    );
  }

  /** Calls `listener` (checking every second) when another process (the CLI, run-due) changed the catalog. */
  watch(listener: () => void): () => void {
    let seen: string | null = null;
    const check = () => {
      void fileSignature(this.file).then((now) => {
        if (now === null || now === seen || now === this.#written) return;
        const first = seen === null;
        seen = now;
        if (!first) listener();
      });
    };
    watchFile(this.file, { interval: 1000, persistent: false }, check);
    check();
    return () => unwatchFile(this.file, check);
  }

  async lastRuns(site: string): Promise<SiteRecord> {
    return (await this.read()).sites[site] ?? siteRecordSchema.parse({});
  }

  /**
   * Records the database settings a backup or a test found in the site's wp-config.php. The
   * first ones are kept as the site's own; different ones later are noted as a change, and
   * the settings first recorded are returned so that the caller can warn. Same as recorded: null.
   */
  noteDatabaseSettings(site: string, found: DatabaseSettingsSeen, time: string): Promise<DatabaseSettingsSeen | null> {
    return this.update((data) => {
      const record = siteRecord(data, site);
      const known = record.databaseSettings;
      if (!known) {
        record.databaseSettings = { ...found, since: time };
        return null;
      }
      if (known.host === found.host && known.name === found.name) return null;
      record.databaseSettingsChanged = { ...found, seen: time };
      return { host: known.host, name: known.name };
    });
  }

  /**
   * The user checked and accepted the changed database settings: they become the site's own,
   * so a later change (back, or elsewhere) warns again. With no change on record, the next
   * settings found are the site's own.
   */
  acceptDatabaseSettings(site: string, time: string): Promise<void> {
    return this.update((data) => {
      const record = data.sites[site];
      if (!record) return;
      const changed = record.databaseSettingsChanged;
      record.databaseSettings = changed ? { host: changed.host, name: changed.name, since: time } : null;
      record.databaseSettingsChanged = null;
    });
  }

  /** The user saved the site's settings: the next database settings found are its own again. */
  forgetDatabaseSettings(site: string): Promise<void> {
    return this.update((data) => {
      const record = data.sites[site];
      if (record) {
        record.databaseSettings = null;
        record.databaseSettingsChanged = null;
      }
    });
  }

  /** A copy to the site's second destination finished at `time`. */
  recordCopy(site: string, time: string): Promise<void> {
    return this.update((data) => {
      const last = siteRecord(data, site);
      last.copy = laterOf(last.copy, time);
    });
  }

  /** Keeps the site's summary of its snapshots (written after each change to them); the previous wordpress flag stays when not given. */
  recordSummary(site: string, summary: SiteSummary): Promise<void> {
    return this.update((data) => {
      const record = siteRecord(data, site);
      const before = record.summary;
      record.summary = { ...summary, wordpress: summary.wordpress ?? (before?.destination === summary.destination ? before.wordpress : null) };
    });
  }

  recordRun(input: CatalogRun, options: { filesSaved?: boolean } = {}): Promise<void> {
    const run = runSchema.parse(input);
    return this.update((data) => {
      const last = siteRecord(data, run.site);
      if (run.status === 'succeeded') {
        if (run.kind !== 'database') last.files = laterOf(last.files, run.started);
        if (run.kind !== 'files') last.database = laterOf(last.database, run.started);
      } else if (options.filesSaved && run.kind !== 'database') {
        // The files were saved though the run failed (its database could not be dumped): they are not due again.
        last.files = laterOf(last.files, run.started);
      }
      // Runs that overlap (the app and run-due) may finish out of order: the latest finish decides.
      if (!last.lastRun || run.finished >= last.lastRun.finished) {
        last.lastRun = { status: run.status, finished: run.finished, error: run.error, code: run.code, hint: run.hint };
        // A snapshot whose read-back found damage was made, but is no good backup.
        if (run.status === 'succeeded' && run.error === null) {
          last.lastGood = run.finished;
          last.failures = 0;
          last.failingSince = null;
        } else {
          last.failures += 1;
          last.failingSince ??= run.finished;
        }
      }
      data.history.push(run);
      trim(data.history, HISTORY_KEPT);
    });
  }

  recordVerification(verification: CatalogVerification): Promise<void> {
    return this.update((data) => {
      data.verifications.push(verification);
      trim(data.verifications, VERIFICATIONS_KEPT);
      // A check that could not run (no connection) is tried again at the next run, not a week later.
      if (verification.kind === 'scheduled-check' && (verification.ok || verification.problems.length > 0))
        (data.destinations[verification.destination] ??= { lastPrune: null, lastCheck: null }).lastCheck = verification.time;
    });
  }

  /** Keeps the job's latest state (by id), dropping the oldest finished jobs beyond the limit. */
  recordJob(job: z.infer<typeof jobSchema>): Promise<void> {
    return this.update((data) => {
      const at = data.jobs.findIndex((j) => j.id === job.id);
      if (at >= 0) data.jobs[at] = job;
      else data.jobs.push(job);
      trim(data.jobs, JOBS_KEPT);
    });
  }
}

function laterOf(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}

function trim(list: unknown[], kept: number): void {
  if (list.length > kept) list.splice(0, list.length - kept);
}

/** A file's identity and version (inode, size, modification time); null when it is missing. */
async function fileSignature(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}
