import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { preferencesSchema } from './preferences';
import { scheduleSchema } from '../automation/schedule';
import { DEFAULT_RETENTION, retentionSchema } from './retention';
import { ApiError } from '../contract/errors';

export const SETTINGS_VERSION = 1;

/**
 * A saved destination, JetBackup-style. No secret here: its login password, key passphrase
 * and repository passphrase are in the keychain under `destination:<name>:…`.
 */
export const destinationSchema = z.object({
  name: z.string().min(1).max(40),
  /** `/abs/path`, or `sftp|ftp|ftps://user@host:port/path` (never with a password). */
  url: z.string(),
  identityFile: z.string().nullable().default(null),
  hostKey: z.string().nullable().default(null),
  caFile: z.string().nullable().default(null),
  tlsFingerprint: z.string().nullable().default(null),
  timeoutSeconds: z.number().int().positive().default(30),
  maxRetries: z.number().int().nonnegative().default(5),
  maxConnections: z.number().int().nonnegative().default(0),
  passive: z.boolean().default(true),
});
export type Destination = z.infer<typeof destinationSchema>;

/** The database of a site: read from wp-config.php (`auto`), given by hand, or none. */
export const siteDatabaseSchema = z.object({
  mode: z.enum(['auto', 'manual', 'none']).default('auto'),
  host: z.string().nullable().default(null),
  port: z.number().int().positive().nullable().default(null),
  socket: z.string().nullable().default(null),
  name: z.string().nullable().default(null),
  user: z.string().nullable().default(null),
});
export type SiteDatabase = z.infer<typeof siteDatabaseSchema>;

/**
 * A client site. No secret here: its login password, key passphrase and database password
 * are in the keychain under `site:<name>:…`.
 */
export const siteSchema = z.object({
  name: z.string().min(1).max(60),
  /** `sftp|ftp|ftps://user@host:port/abs/root` (never with a password). */
  url: z.string(),
  environment: z.enum(['production', 'staging']).default('production'),
  /** The saved destination its backups go to (the app's choice; the CLI names a repository per command). */
  destination: z.string().nullable().default(null),
  identityFile: z.string().nullable().default(null),
  hostKey: z.string().nullable().default(null),
  caFile: z.string().nullable().default(null),
  tlsFingerprint: z.string().nullable().default(null),
  excludes: z.array(z.string()).default([]),
  /** Apply the WordPress default exclusions (caches, other plugins' backups) when WordPress is found. */
  wordpressExcludes: z.boolean().default(true),
  database: siteDatabaseSchema.default({ mode: 'auto', host: null, port: null, socket: null, name: null, user: null }),
  timeoutSeconds: z.number().int().positive().default(30),
  maxRetries: z.number().int().nonnegative().default(5),
  maxConnections: z.number().int().nonnegative().default(0),
  passive: z.boolean().default(true),
  /** FTP: read every file again every N backups (coarse FTP times can hide an edit); 0 = never. */
  rereadEvery: z.number().int().nonnegative().default(0),
  /** null: the default for its environment (production: files daily, database every 6 hours; staging: none). */
  schedule: scheduleSchema.nullable().default(null),
  /** Grandfather-father-son, applied after scheduled backups (the seeds' 12 daily, 3 monthly, 1 yearly). */
  retention: retentionSchema.default(DEFAULT_RETENTION),
  /** A second destination its new snapshots are copied to after each backup (the seeds' "two independent backups"). */
  copyTo: z.string().nullable().default(null),
  /** When to copy: after each backup, or once a day at `copyAt` (local time; e.g. at night, when the line is free). */
  copyWhen: z.enum(['after-backup', 'daily']).default('after-backup'),
  copyAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (24-hour).').default('04:00'),
  /** An empty database on the site's server that test restores import the dump into (it is overwritten; never the live one). */
  scratchDatabase: z.string().regex(/^[A-Za-z0-9_$-]{1,64}$/, 'A database name has letters, digits, _ $ or - only.').nullable().default(null),
});
export type Site = z.infer<typeof siteSchema>;

/** Settings never hold a secret: passwords, keys and passphrases live in the keychain. */
export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  preferences: preferencesSchema.default(() => preferencesSchema.parse({})),
  destinations: z.array(destinationSchema).default([]),
  sites: z.array(siteSchema).default([]),
});
export type Settings = z.infer<typeof settingsSchema>;

function defaults(): Settings {
  return settingsSchema.parse({ version: SETTINGS_VERSION });
}

/**
 * `settings.json` in the data folder, through lowdb (written to a temporary file and
 * renamed, so a crash never leaves half a file). A file that is not valid is never
 * overwritten: opening fails with SETTINGS_INVALID and names the file, so the user's
 * settings are not lost to a silent reset.
 */
export class SettingsStore {
  readonly path: string;
  readonly #db: Low<Settings>;

  private constructor(path: string, db: Low<Settings>) {
    this.path = path;
    this.#db = db;
  }

  static async open(dataDir: string): Promise<SettingsStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'settings.json');
    const db = new Low<Settings>(new JSONFile<Settings>(path), defaults());
    let raw: string | null = null;
    try {
      raw = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ApiError('SETTINGS_INVALID', `Cannot read the settings file ${path}: ${(error as Error).message}`);
      }
    }
    if (raw === null) {
      await db.write();
    } else {
      db.data = parseSettings(path, raw);
    }
    return new SettingsStore(path, db);
  }

  get data(): Readonly<Settings> {
    return this.#db.data;
  }

  async update(change: (draft: Settings) => void): Promise<void> {
    const draft = structuredClone(this.#db.data);
    change(draft);
    this.#db.data = settingsSchema.parse(draft);
    await this.#db.write();
  }
}

export function parseSettings(path: string, raw: string): Settings {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ApiError(
      'SETTINGS_INVALID',
      `The settings file ${path} is not valid JSON (${(error as Error).message}). It was left untouched; fix or move it away, then start SiteVault again.`,
    );
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(top level)'}: ${first.message}` : 'unknown problem';
    throw new ApiError(
      'SETTINGS_INVALID',
      `The settings file ${path} has an unexpected shape (${where}). It was left untouched; fix or move it away, then start SiteVault again.`,
    );
  }
  return parsed.data;
}
