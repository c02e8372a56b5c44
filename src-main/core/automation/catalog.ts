import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

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

const catalogSchema = z.object({
  version: z.literal(1),
  sites: z.record(z.string(), z.object({ files: z.string().nullable().default(null), database: z.string().nullable().default(null) })),
  destinations: z.record(z.string(), z.object({ lastPrune: z.string().nullable().default(null) })),
  history: z.array(runSchema),
});
export type CatalogData = z.infer<typeof catalogSchema>;

const HISTORY_KEPT = 1000;

/**
 * The catalog (`catalog.json` in the data folder): when each site was last backed up by
 * kind, when each destination was last pruned, and the history of scheduled runs. Written
 * to a temporary file and renamed, so a crash never leaves half of it.
 */
export class Catalog {
  private constructor(
    private readonly file: string,
    readonly data: CatalogData,
  ) {}

  static async open(dataDir: string): Promise<Catalog> {
    const file = join(dataDir, 'catalog.json');
    let data: CatalogData = { version: 1, sites: {}, destinations: {}, history: [] };
    try {
      data = catalogSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`The catalog ${file} cannot be read (${(error as Error).message}); move it away to start a new one.`);
    }
    return new Catalog(file, data);
  }

  lastRuns(site: string): { files: string | null; database: string | null } {
    return this.data.sites[site] ?? { files: null, database: null };
  }

  record(run: CatalogRun): void {
    if (run.status === 'succeeded') {
      const last = (this.data.sites[run.site] ??= { files: null, database: null });
      if (run.kind !== 'database') last.files = run.started;
      if (run.kind !== 'files') last.database = run.started;
    }
    this.data.history.push(run);
    if (this.data.history.length > HISTORY_KEPT) this.data.history.splice(0, this.data.history.length - HISTORY_KEPT);
  }

  async save(): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    await rename(temp, this.file);
  }
}
