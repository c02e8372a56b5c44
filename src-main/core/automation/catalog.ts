import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { jobSchema, verificationSchema } from '../contract/operations';

const runSchema = z.object({
  site: z.string(),
  kind: z.enum(['both', 'files', 'database']),
  started: z.string(),
  finished: z.string(),
  status: z.enum(['succeeded', 'failed']),
  snapshot: z.string().nullable(),
  error: z.string().nullable(),
  removed: z.number(),
});
export type CatalogRun = z.infer<typeof runSchema>;

export type CatalogVerification = z.infer<typeof verificationSchema>;

const catalogSchema = z.object({
  version: z.literal(1),
  sites: z.record(z.string(), z.object({ files: z.string().nullable().default(null), database: z.string().nullable().default(null), copy: z.string().nullable().default(null) })),
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
 * of jobs and of verifications. Every change re-reads the file and is applied in turn with
 * the other changes of this process, then written to a temporary file and renamed, so a
 * crash never leaves half of it and two writers in one process never lose each other's work.
 */
export class Catalog {
  static readonly #queues = new Map<string, Promise<unknown>>();
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'catalog.json');
  }

  async read(): Promise<CatalogData> {
    try {
      return catalogSchema.parse(JSON.parse(await readFile(this.file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyCatalog();
      throw new Error(`The catalog ${this.file} cannot be read (${(error as Error).message}); move it away to start a new one.`);
    }
  }

  /** Applies a change to the latest catalog and saves it; changes of this process never interleave. */
  update<T>(change: (data: CatalogData) => T): Promise<T> {
    const previous = Catalog.#queues.get(this.file) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(async () => {
      const data = await this.read();
      const result = change(data);
      await this.#write(data);
      return result;
    });
    Catalog.#queues.set(this.file, next);
    return next;
  }

  async lastRuns(site: string): Promise<{ files: string | null; database: string | null; copy: string | null }> {
    return (await this.read()).sites[site] ?? { files: null, database: null, copy: null };
  }

  /** A copy to the site's second destination finished at `time`. */
  recordCopy(site: string, time: string): Promise<void> {
    return this.update((data) => {
      const last = (data.sites[site] ??= { files: null, database: null, copy: null });
      last.copy = laterOf(last.copy, time);
    });
  }

  recordRun(run: CatalogRun): Promise<void> {
    return this.update((data) => {
      if (run.status === 'succeeded') {
        const last = (data.sites[run.site] ??= { files: null, database: null, copy: null });
        if (run.kind !== 'database') last.files = laterOf(last.files, run.started);
        if (run.kind !== 'files') last.database = laterOf(last.database, run.started);
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
      if (verification.kind === 'scheduled-check' && (verification.ok || verification.problems.length > 0)) (data.destinations[verification.destination] ??= { lastPrune: null, lastCheck: null }).lastCheck = verification.time;
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

  async #write(data: CatalogData): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(data, null, 2), { mode: 0o600 });
    await rename(temp, this.file);
  }
}

function laterOf(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}

function trim(list: unknown[], kept: number): void {
  if (list.length > kept) list.splice(0, list.length - kept);
}
