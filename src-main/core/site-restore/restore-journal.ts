import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const journalSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  site: z.string(),
  snapshot: z.string(),
  scope: z.enum(['both', 'files', 'database']),
  paths: z.array(z.string()),
  mirror: z.boolean(),
  newUrl: z.string().nullable(),
  safetySnapshot: z.string().nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  state: z.enum(['running', 'failed', 'done']),
  done: z.object({ files: z.boolean(), database: z.boolean(), config: z.boolean() }),
  error: z.string().nullable(),
});
export type RestoreJournal = z.infer<typeof journalSchema>;

/**
 * The record of the last restore to each site, kept in the app's data folder. An unfinished
 * one is how an interrupted restore (a dropped connection, a closed app, a killed process)
 * is resumed: same snapshot and scope, the same safety snapshot, finished phases skipped.
 */
export class RestoreJournals {
  constructor(private readonly dataDir: string) {}

  #file(site: string): string {
    return join(this.dataDir, 'restores', `${createHash('sha256').update(site).digest('hex').slice(0, 24)}.json`);
  }

  async last(site: string): Promise<RestoreJournal | null> {
    try {
      return journalSchema.parse(JSON.parse(await readFile(this.#file(site), 'utf8')));
    } catch {
      return null;
    }
  }

  /** The site's unfinished restore, if any. */
  async unfinished(site: string): Promise<RestoreJournal | null> {
    const journal = await this.last(site);
    return journal && journal.state !== 'done' ? journal : null;
  }

  start(fields: Pick<RestoreJournal, 'site' | 'snapshot' | 'scope' | 'paths' | 'mirror' | 'newUrl'>): RestoreJournal {
    const now = new Date().toISOString();
    return {
      version: 1,
      id: randomBytes(8).toString('hex'),
      ...fields,
      safetySnapshot: null,
      startedAt: now,
      updatedAt: now,
      state: 'running',
      done: { files: false, database: false, config: false },
      error: null,
    };
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a journal. */
  async save(journal: RestoreJournal): Promise<void> {
    journal.updatedAt = new Date().toISOString();
    const file = this.#file(journal.site);
    await mkdir(join(this.dataDir, 'restores'), { recursive: true, mode: 0o700 });
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(journal, null, 2), { mode: 0o600 });
    await rename(temp, file);
  }
}
