import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { siteTagsSchema } from './site-tags';
import { preferencesSchema } from './preferences';
import { scheduleSchema } from '../automation/schedule';
import { DEFAULT_RETENTION, retentionSchema } from './retention';
import { ApiError } from '../contract/errors';
import { replaceFile, withFileLock, type FileLockOptions } from './shared-file';

export const SETTINGS_VERSION = 1;

/**
 * How an `s3://bucket/prefix` destination reaches its service. The access key id is an
 * identifier, like a user name; the secret access key is in the keychain (as the login password).
 */
export const s3DestinationSchema = z.object({
  /** `https://host[:port]`; empty for AWS itself. */
  endpoint: z.string().default(''),
  region: z.string().default(''),
  pathStyle: z.boolean().default(false),
  accessKeyId: z.string().min(1),
  /** Empty: the provider's default. */
  storageClass: z.string().default(''),
});
export type S3Destination = z.infer<typeof s3DestinationSchema>;

/**
 * A saved destination, JetBackup-style. No secret here: its login password (an S3 secret
 * access key), key passphrase and repository passphrase are in the keychain under `destination:<name>:…`.
 */
export const destinationSchema = z.object({
  name: z.string().min(1).max(40),
  /** `/abs/path`, `sftp|ftp|ftps://user@host:port/path` (never with a password), or `s3://bucket/prefix`. */
  url: z.string(),
  /** The service of an `s3://` destination; null for the others. */
  s3: s3DestinationSchema.nullable().default(null),
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
  /** The user's own labels (a client's name, "maintenance plan"): the dashboard filters by them and reports group by them. */
  tags: siteTagsSchema.default([]),
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
  copyAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (24-hour).')
    .default('04:00'),
  /** An empty database on the site's server that test restores import the dump into (it is overwritten; never the live one). */
  scratchDatabase: z
    .string()
    .regex(/^[A-Za-z0-9_$-]{1,64}$/, 'A database name has letters, digits, _ $ or - only.')
    .nullable()
    .default(null),
});
export type Site = z.infer<typeof siteSchema>;

/** Settings never hold a secret: passwords, keys and passphrases live in the keychain. */
export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  /** This installation (data folder): random, made once, recorded in its snapshots so that a shared repository tells installations apart. */
  installation: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable()
    .default(null),
  preferences: preferencesSchema.default(() => preferencesSchema.parse({})),
  destinations: z.array(destinationSchema).default([]),
  sites: z.array(siteSchema).default([]),
});
export type Settings = z.infer<typeof settingsSchema>;

function defaults(): Settings {
  return settingsSchema.parse({ version: SETTINGS_VERSION });
}

/** What changed in the settings file, as the app's screens group it. */
export type SettingsPart = 'preferences' | 'destinations' | 'sites';
export type OutsideChangeListener = (parts: SettingsPart[]) => void;

/** Identifies one version of the file: every writer replaces it (a new inode), so this changes with each save. */
interface FileSignature {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** How often a watching app looks for changes made by other processes (the CLI, run-due). */
const WATCH_INTERVAL_MS = 1000;

/**
 * `settings.json` in the data folder, shared by the app, the CLI and `run-due` from cron.
 * Every change takes the file's inter-process lock, re-reads the file, applies itself to
 * what is there now and replaces the file atomically, so no process overwrites another's
 * change with an old copy. Reads see the file as it is now: `data` re-reads it when another
 * process has replaced it, and `watch` tells the app so that its screens refresh.
 *
 * A file that is not valid is never overwritten: opening or changing fails with
 * SETTINGS_INVALID and names the file, so the user's settings are not lost to a silent reset.
 */
export class SettingsStore {
  readonly path: string;
  readonly #lockOptions: FileLockOptions;
  #data: Settings;
  #seen: FileSignature | null;
  readonly #listeners = new Set<OutsideChangeListener>();

  private constructor(path: string, data: Settings, seen: FileSignature | null, lockOptions: FileLockOptions) {
    this.path = path;
    this.#data = data;
    this.#seen = seen;
    this.#lockOptions = lockOptions;
  }

  static async open(dataDir: string, lockOptions: FileLockOptions = {}): Promise<SettingsStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'settings.json');
    const existing = await readSettingsFile(path);
    if (existing) return new SettingsStore(path, existing.data, existing.signature, lockOptions);
    // First start: created under the lock, unless another process got there first.
    return withFileLock(
      path,
      async () => {
        const created = await readSettingsFile(path);
        if (created) return new SettingsStore(path, created.data, created.signature, lockOptions);
        const data = defaults();
        await replaceFile(path, serialize(data));
        return new SettingsStore(path, data, await signatureOf(path), lockOptions);
      },
      lockOptions,
    );
  }

  /** The settings as the file holds them now (re-read when another process has replaced it). */
  get data(): Readonly<Settings> {
    this.#refreshSync();
    return this.#data;
  }

  /** Applies `change` to the file's current content, under the lock, and saves it atomically (a throw in `change` saves nothing). */
  async update(change: (draft: Settings) => void | Promise<void>): Promise<void> {
    await withFileLock(
      this.path,
      async () => {
        const current = await readSettingsFile(this.path);
        const base = current?.data ?? defaults();
        if (current) this.#adopt(base, current.signature);
        const draft = structuredClone(base);
        await change(draft);
        const next = settingsSchema.parse(draft);
        await replaceFile(this.path, serialize(next));
        this.#data = next;
        this.#seen = await signatureOf(this.path);
      },
      this.#lockOptions,
    );
  }

  /** This installation's id, made (under the lock, once for every process sharing the folder) on first use. */
  async installationId(): Promise<string> {
    const known = this.data.installation;
    if (known) return known;
    await this.update((draft) => {
      draft.installation ??= randomBytes(8).toString('hex');
    });
    return this.#data.installation!;
  }

  /** Calls `listener` when another process changed the file (noticed at a read or by `watch`). */
  onOutsideChange(listener: OutsideChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Looks for changes by other processes every second, so the app's screens refresh on their own. */
  watch(): () => void {
    const check = () => this.#refreshSync();
    watchFile(this.path, { interval: WATCH_INTERVAL_MS, persistent: false }, check);
    return () => unwatchFile(this.path, check);
  }

  #refreshSync(): void {
    let signature: FileSignature;
    try {
      signature = toSignature(statSync(this.path));
    } catch {
      return; // Gone or unreadable for a moment: the last good copy stands; the next change reports the problem.
    }
    if (this.#seen && sameSignature(signature, this.#seen)) return;
    try {
      this.#adopt(parseSettings(this.path, readFileSync(this.path, 'utf8')), signature);
    } catch {
      // Not valid (a hand edit in progress): keep the last good copy; a change would fail with SETTINGS_INVALID.
    }
  }

  /** Takes the file's content as the current settings, telling listeners what another process changed. */
  #adopt(data: Settings, signature: FileSignature): void {
    const parts = changedParts(this.#data, data);
    this.#data = data;
    this.#seen = signature;
    if (parts.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(parts);
      } catch {
        // A broken listener must not stop the others or the read.
      }
    }
  }
}

function serialize(data: Settings): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

function changedParts(before: Settings, after: Settings): SettingsPart[] {
  return (['preferences', 'destinations', 'sites'] as const).filter((part) => JSON.stringify(before[part]) !== JSON.stringify(after[part]));
}

function toSignature(stat: { ino: number; size: number; mtimeMs: number }): FileSignature {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
}

function sameSignature(a: FileSignature, b: FileSignature): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function signatureOf(path: string): Promise<FileSignature> {
  return toSignature(await stat(path));
}

/** The file's settings and the signature of the version read; null when there is no file yet. */
async function readSettingsFile(path: string): Promise<{ data: Settings; signature: FileSignature } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ApiError('SETTINGS_INVALID', `Cannot read the settings file ${path}: ${(error as Error).message}`);
  }
  try {
    // Read and stat one open file, so the signature belongs to the content even if the file is replaced meanwhile.
    const signature = toSignature(await handle.stat());
    return { data: parseSettings(path, await handle.readFile('utf8')), signature };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('SETTINGS_INVALID', `Cannot read the settings file ${path}: ${(error as Error).message}`);
  } finally {
    await handle.close();
  }
}

export function parseSettings(path: string, raw: string): Settings {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ApiError('SETTINGS_INVALID', `The settings file ${path} is not valid JSON (${(error as Error).message}). It was left untouched; fix or move it away, then start SiteVault again.`);
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(top level)'}: ${first.message}` : 'unknown problem';
    throw new ApiError('SETTINGS_INVALID', `The settings file ${path} has an unexpected shape (${where}). It was left untouched; fix or move it away, then start SiteVault again.`);
  }
  return parsed.data;
}
