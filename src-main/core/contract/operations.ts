import { z } from 'zod';
import { hintKeys, type Envelope } from './errors';
import { scheduleSchema } from '../automation/schedule';
import { retentionSchema } from '../settings/retention';
import { siteTagsSchema } from '../settings/site-tags';
import { MAX_IMPORT_BYTES } from './import-limits';
import { emailPreferencesSchema, verificationPreferencesSchema } from '../settings/preferences';
import type { EventName, MethodName, OperationName } from './names';
import { MONTH_PATTERN } from '../reports/month';
import { reportLogoSchema, reportNameSchema } from '../reports/report-logo';
import { clientReportSchema } from '../reports/report-schema';

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** Which adapter serves the API: the desktop shell, the headless server or the CLI. */
  shell: z.enum(['electron', 'headless', 'cli']),
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const keychainStatusSchema = z.object({
  available: z.boolean(),
  /** Human name of the store: "Secret Service", "macOS Keychain", "Windows Credential Manager". */
  backend: z.string(),
  /** What is wrong and how to fix it, when the keychain is not available. */
  problem: z.string().nullable(),
});
export type KeychainStatus = z.infer<typeof keychainStatusSchema>;

const noInput = z.object({}).strict();

export const preferencesSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  defaultRetention: retentionSchema,
  maxConcurrentJobs: z.number().int().min(1).max(8),
  verification: verificationPreferencesSchema,
  email: emailPreferencesSchema,
  dashboardView: z.enum(['cards', 'table']),
  /** The freelancer's or agency's name and logo (a PNG or JPEG data URL) on client reports. */
  reportName: reportNameSchema,
  reportLogo: reportLogoSchema,
});

export const progressSchema = z.object({
  phase: z.string(),
  filesDone: z.number(),
  filesTotal: z.number().nullable(),
  bytesDone: z.number(),
  bytesTotal: z.number().nullable(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  currentPath: z.string().nullable(),
});

export const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(['backup', 'restore', 'download', 'verify', 'prune', 'replicate']),
  title: z.string(),
  /** queued: waiting for a free slot (limits: all jobs, one per site); interrupted: the app stopped while it ran. */
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  /** The site the job works on (at most one job per site runs at a time). */
  site: z.string().nullable().default(null),
  /** Whether `job:resume` can run it again from where it stopped (interrupted or failed). */
  resumable: z.boolean().default(false),
  resumedFrom: z.string().nullable().default(null),
  resumedBy: z.string().nullable().default(null),
  /** How the job is started again on resume: an operation and its input (never a secret). */
  request: z
    .object({ op: z.string(), input: z.record(z.string(), z.unknown()) })
    .nullable()
    .default(null),
  started: z.string(),
  finished: z.string().nullable(),
  progress: progressSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.enum(hintKeys).optional() }).nullable(),
  /** What the job produced, for the screen that started it (a snapshot id, a restore report). */
  result: z.record(z.string(), z.unknown()).nullable(),
  /** The job's log: each phase as it began, and how it ended. */
  log: z.array(z.object({ time: z.string(), message: z.string() })),
});
export type Job = z.infer<typeof jobSchema>;

/**
 * How an `s3://bucket/prefix` destination reaches its service. The secret access key is not
 * here: it is the destination's `password`, kept in the keychain.
 */
export const s3SettingsSchema = z
  .object({
    /** `https://host[:port]`; empty for AWS itself. */
    endpoint: z.string().max(300).default(''),
    /** Empty: us-east-1. */
    region: z.string().max(64).default(''),
    pathStyle: z.boolean().default(false),
    accessKeyId: z.string().trim().min(1, 'The access key id is required.').max(128),
    /** Empty: the provider's default. */
    storageClass: z.string().max(40).default(''),
  })
  .strict();
export type S3SettingsInput = z.input<typeof s3SettingsSchema>;

/** What a screen may know about a destination: never a secret, only whether one is stored. */
export const destinationInfoSchema = z.object({
  name: z.string(),
  url: z.string(),
  /** The service of an `s3://` destination (the access key id is an identifier, not a secret). */
  s3: z.object({ endpoint: z.string(), region: z.string(), pathStyle: z.boolean(), accessKeyId: z.string(), storageClass: z.string() }).nullable(),
  hostKey: z.string().nullable(),
  tlsFingerprint: z.string().nullable(),
  timeoutSeconds: z.number(),
  maxRetries: z.number(),
  maxConnections: z.number(),
  passive: z.boolean(),
  hasPassword: z.boolean(),
  hasPassphrase: z.boolean(),
});

export const snapshotSummarySchema = z.object({
  id: z.string(),
  time: z.string(),
  site: z.string(),
  /** The computer that made it. */
  hostname: z.string(),
  /** The installation that made it (null: not recorded, older snapshots). */
  installation: z.string().nullable(),
  /** Made by another installation sharing this repository (a site of the same name there). */
  otherInstallation: z.boolean(),
  tags: z.array(z.string()),
  kind: z.enum(['files', 'database', 'both']),
  files: z.number(),
  bytes: z.number(),
  bytesAdded: z.number(),
  warnings: z.number(),
});

const destinationRef = z.object({ destination: z.string().min(1).max(40) }).strict();

const name40 = z.string().trim().min(1, 'A name is required.').max(40, 'A name has at most 40 characters.');
const connectionFields = {
  url: z.string().regex(/^(sftp|ftp|ftps):\/\/[^@/]+@[^/]+/, 'The address must be sftp://, ftp:// or ftps://user@host:port/path.'),
  identityFile: z.string().nullable().default(null),
  hostKey: z.string().nullable().default(null),
  tlsFingerprint: z.string().nullable().default(null),
  /** FTPS: the CA that issued the server's certificate (the host name is still checked). */
  caFile: z.string().nullable().default(null),
  timeoutSeconds: z.number().int().positive().default(30),
  maxRetries: z.number().int().nonnegative().default(5),
  maxConnections: z.number().int().nonnegative().default(0),
  passive: z.boolean().default(true),
};

/** A site's database: found in wp-config.php, none, or given by hand. */
const siteDatabaseInput = z
  .union([
    z.enum(['auto', 'none']),
    z.object({ host: z.string().min(1), port: z.number().int().positive().nullable(), socket: z.string().nullable().default(null), name: z.string().min(1), user: z.string().min(1) }).strict(),
  ])
  .default('auto');

/** What a screen may know about a site: never a secret, only whether one is stored. */
export const siteInfoSchema = z.object({
  name: z.string(),
  url: z.string(),
  environment: z.enum(['production', 'staging']),
  /** The user's own labels (a client, a plan), for search, filters and reports. */
  tags: z.array(z.string()),
  destination: z.string().nullable(),
  /** The second destination its snapshots are copied to, if any. */
  copyTo: z.string().nullable(),
  /** In words: "after each backup" or "daily at 04:00". */
  copyWhen: z.string().nullable(),
  hostKey: z.string().nullable(),
  tlsFingerprint: z.string().nullable(),
  databaseMode: z.enum(['auto', 'manual', 'none']),
  /** In words ("files daily at 02:00, database every 6 hours"), or null when it has none. */
  schedule: z.string().nullable(),
  /** When the app's scheduler (or `run-due`) will next back it up. */
  nextRun: z.string().nullable(),
  hasPassword: z.boolean(),
  hasKeyPassphrase: z.boolean(),
  hasDatabasePassword: z.boolean(),
  /** wp-config.php names another database than at setup (a possible compromise), in words; null when unchanged. */
  databaseSettingsChanged: z.string().nullable(),
  /** Its own snapshots (not safety ones) in its destination, as the catalog keeps them after each change; null until known. */
  summary: z
    .object({
      snapshots: z.number(),
      latest: z.object({ time: z.string(), kind: z.enum(['both', 'files', 'database']), bytes: z.number(), warnings: z.number(), databaseMissing: z.boolean() }).nullable(),
      /** When the latest snapshot with a database dump was taken; null when none has one. */
      lastDatabase: z.string().nullable(),
      /** Whether its last backup found WordPress (null: not known yet). */
      wordpress: z.boolean().nullable(),
    })
    .nullable(),
  /** Whether the site is protected, from the catalog, whoever ran its backups. */
  health: z.object({
    /** failing: its latest run failed; stale: its last good backup is older than twice its schedule's interval; never: no good backup yet. */
    state: z.enum(['ok', 'failing', 'stale', 'never']),
    lastGood: z.string().nullable(),
    failures: z.number(),
    failingSince: z.string().nullable(),
    lastError: z.object({ message: z.string(), code: z.string().nullable(), hint: z.enum(hintKeys).nullable() }).nullable(),
  }),
});
export type SiteInfo = z.infer<typeof siteInfoSchema>;

/** What `site:import` did (or, for a dry run, would do). */
export const siteImportSummarySchema = z.object({
  dryRun: z.boolean(),
  imported: z.array(
    z.object({
      /** How the file names it ("Clients/Acme", "row 3 (Acme)"). */
      entry: z.string(),
      name: z.string(),
      url: z.string(),
      /** The name it would have had, when a site of that name was already saved (or came earlier in the file). */
      renamedFrom: z.string().nullable(),
      destination: z.string().nullable(),
      /** Whether the file gave a password (it is in the keychain). */
      password: z.boolean(),
    }),
  ),
  skipped: z.array(z.object({ entry: z.string(), reason: z.string() })),
  /** Every imported site: what to confirm before its first connection, and what else to check. */
  needsAttention: z.array(z.object({ name: z.string(), url: z.string(), confirm: z.enum(['ssh-host-key', 'tls-certificate', 'none']), reasons: z.array(z.string()) })),
});
export type SiteImportSummary = z.infer<typeof siteImportSummarySchema>;

export const treeEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink']),
  size: z.number(),
  mtime: z.number(),
  mode: z.number(),
  target: z.string().nullable(),
});

/** A WordPress site's address. */
const siteAddress = z.url({ protocol: /^https?$/, error: 'An address is http:// or https:// and a host name.' });

const restoreRequest = z
  .object({
    site: z.string().min(1),
    destination: z.string().min(1),
    /** An id (a prefix is enough), or "latest": the site's latest backup (never a safety snapshot). */
    snapshot: z.string().regex(/^([0-9a-f]{4,64}|latest)$/, 'A snapshot is an id (at least 4 hex characters) or "latest".'),
    scope: z.enum(['both', 'files', 'database']).default('both'),
    paths: z.array(z.string()).default([]),
    mirror: z.boolean().default(false),
    newUrl: siteAddress.nullable().default(null),
    /** The address the new one replaces; the dump's siteurl when null. */
    oldUrl: siteAddress.nullable().default(null),
    /** Back up the site first, so that the restore can be undone. */
    safetySnapshot: z.boolean().default(true),
  })
  .strict();

export const restorePreviewSchema = z.object({
  snapshot: z.string(),
  site: z.string(),
  migration: z.boolean(),
  method: z.string(),
  upload: z.array(z.object({ path: z.string(), reason: z.string(), size: z.number() })),
  extra: z.array(z.string()),
  deleteExtra: z.boolean(),
  metadata: z.array(z.string()),
  replace: z.array(z.string()),
  unchanged: z.number(),
  bytes: z.number(),
  database: z.object({ name: z.string(), replaceTables: z.array(z.string()), otherTables: z.array(z.string()).nullable() }).nullable(),
  url: z.object({ from: z.string(), to: z.string() }).nullable(),
  wpConfig: z.string().nullable(),
  warnings: z.array(z.string()),
});

export const verificationSchema = z.object({
  kind: z.enum(['after-backup', 'scheduled-check', 'test-restore']),
  destination: z.string(),
  snapshot: z.string().nullable(),
  time: z.string(),
  ok: z.boolean(),
  summary: z.string(),
  problems: z.array(z.string()),
});

interface OperationSpec {
  input: z.ZodType;
  output: z.ZodType;
  summary: string;
}

/** Every operation of the service API. Adapters and clients are derived from this map. */
export const operations = {
  'app:info': {
    summary: 'Version and environment of the running app.',
    input: noInput,
    output: appInfoSchema,
  },
  'keychain:status': {
    summary: 'Whether the OS keychain can store secrets, probed now.',
    input: noInput,
    output: keychainStatusSchema,
  },
  'preferences:get': {
    summary: "The user's preferences: the theme and a new site's default retention.",
    input: noInput,
    output: preferencesSchema,
  },
  'preferences:set': {
    summary: "Saves some of the user's preferences; returns them all.",
    input: preferencesSchema.partial().strict(),
    output: preferencesSchema,
  },
  'destination:list': {
    summary: 'Saved destinations, with which secrets are stored (never the secrets).',
    input: noInput,
    output: z.object({ destinations: z.array(destinationInfoSchema) }),
  },
  'destination:save': {
    summary: 'Saves a destination (secrets to the keychain) and creates its repository if it has none.',
    input: z
      .object({
        name: name40,
        ...connectionFields,
        url: z.string().min(1),
        /** For an `s3://` url: the service's settings. */
        s3: s3SettingsSchema.nullable().default(null),
        /** The login password; for S3, the secret access key. */
        password: z.string().optional(),
        passphrase: z.string().min(8, 'A repository passphrase has at least 8 characters.').optional(),
        keyPassphrase: z.string().optional(),
        /** Connect and create the repository when there is none (the command line leaves that to init). */
        create: z.boolean().default(true),
        /** add: refuse a name already saved; edit: change the saved one of that name (the settings given replace its own). */
        mode: z.enum(['add', 'edit']).default('add'),
        /** edit: the revision read (site:get, destination:get); the edit is refused with CONFLICT if the saved settings changed since. */
        basedOn: z.string().optional(),
      })
      .strict(),
    output: z.object({ destination: destinationInfoSchema, created: z.boolean() }),
  },
  'destination:createRepository': {
    summary: 'Creates the repository of a saved destination where there is none (with its saved passphrase); an existing one is left as it is.',
    input: z.object({ name: z.string() }).strict(),
    output: z.object({ created: z.boolean() }),
  },
  'destination:get': {
    summary: "A saved destination's settings as stored (never a secret: only whether each is stored).",
    input: z.object({ name: z.string() }).strict(),
    output: z.object({ settings: z.record(z.string(), z.unknown()), revision: z.string(), hasPassword: z.boolean(), hasPassphrase: z.boolean(), hasKeyPassphrase: z.boolean() }),
  },
  'destination:remove': {
    summary: 'Forgets a destination and its secrets (the repository itself is left in place).',
    input: z.object({ name: z.string() }).strict(),
    output: z.object({ removed: z.boolean() }),
  },
  'destination:changePassphrase': {
    summary: "Changes a destination repository's passphrase (the current one is asked, to prove it); no data is re-encrypted.",
    input: z.object({ name: z.string(), current: z.string(), next: z.string().min(8, 'A repository passphrase has at least 8 characters.') }).strict(),
    output: z.object({ keyId: z.string() }),
  },
  'destination:test': {
    summary: 'Connects to an S3 destination with the settings given (nothing is saved) and says whether a SiteVault repository is already there.',
    input: z
      .object({
        url: z.string().regex(/^s3:\/\//i, 'The address of an S3 destination is s3://bucket/folder.'),
        s3: s3SettingsSchema,
        /** The secret access key (sent to no one: requests are signed with it). */
        password: z.string().min(1, 'The secret access key is required.'),
        caFile: z.string().nullable().default(null),
        timeoutSeconds: z.number().int().positive().default(30),
      })
      .strict(),
    output: z.object({ location: z.string(), repository: z.boolean() }),
  },
  'server:identify': {
    summary: 'Connects once and returns what the server presents (SSH host key, TLS certificate) for the user to confirm. It sends no secret: the server is not confirmed yet.',
    input: z.object({ url: z.string(), timeoutSeconds: z.number().int().positive().default(30) }).strict(),
    output: z.object({
      kind: z.enum(['ssh-host-key', 'tls-certificate', 'none']),
      fingerprint: z.string().nullable(),
      /** Saved sites and destinations on the same host and port that already trust this key or certificate (none: ask the user). */
      trustedBy: z.array(z.object({ kind: z.enum(['site', 'destination']), name: z.string() })),
    }),
  },
  'server:folders': {
    summary: "The folders in one folder of a server (its home when the path is empty), for the wizard's folder picker; the server must present the key or certificate the user confirmed.",
    input: z
      .object({
        url: z.string(),
        password: z.string().optional(),
        identityFile: z.string().nullable().optional(),
        hostKey: z.string().nullable().default(null),
        tlsFingerprint: z.string().nullable().default(null),
        path: z.string().default(''),
        timeoutSeconds: z.number().int().positive().default(30),
      })
      .strict(),
    output: z.object({ path: z.string(), folders: z.array(z.string()), wordpress: z.boolean() }),
  },
  'site:list': {
    summary: 'Saved sites, with which secrets are stored (never the secrets).',
    input: noInput,
    output: z.object({ sites: z.array(siteInfoSchema) }),
  },
  'site:get': {
    summary: "A saved site's settings as stored (never a secret: only whether each is stored).",
    input: z.object({ name: z.string() }).strict(),
    // The settings file's own shape (settings-store.ts), passed through as it is.
    output: z.object({ settings: z.record(z.string(), z.unknown()), revision: z.string(), hasPassword: z.boolean(), hasKeyPassphrase: z.boolean(), hasDatabasePassword: z.boolean() }),
  },
  'site:save': {
    summary: 'Saves a site; its secrets go to the keychain and never come back.',
    input: z
      .object({
        name: name40,
        ...connectionFields,
        environment: z.enum(['production', 'staging']).default('production'),
        /** Kept as saved when not given. */
        tags: siteTagsSchema.optional(),
        /** null: none yet (the command line names a repository per backup). */
        destination: z.string().min(1, 'Choose where its backups go.').nullable(),
        copyTo: z.string().nullable().default(null),
        copyWhen: z.enum(['after-backup', 'daily']).default('after-backup'),
        copyAt: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (24-hour).')
          .default('04:00'),
        scratchDatabase: z.string().nullable().default(null),
        /** Found in wp-config.php, none, or given by hand. */
        database: z
          .union([
            z.enum(['auto', 'none']),
            z.object({ host: z.string().min(1), port: z.number().int().positive().nullable(), socket: z.string().nullable().default(null), name: z.string().min(1), user: z.string().min(1) }).strict(),
          ])
          .default('auto'),
        /** Kept as saved when not given. */
        excludes: z.array(z.string()).optional(),
        wordpressExcludes: z.boolean().optional(),
        rereadEvery: z.number().int().nonnegative().optional(),
        /** null: the default for its kind (production: files daily 02:00, database every 6 h; staging: none). */
        schedule: scheduleSchema.nullable().default(null),
        retention: retentionSchema.optional(),
        password: z.string().optional(),
        keyPassphrase: z.string().optional(),
        dbPassword: z.string().optional(),
        /** add: refuse a name already saved; edit: change the saved one of that name (the settings given replace its own). */
        mode: z.enum(['add', 'edit']).default('add'),
        /** edit: the revision read (site:get, destination:get); the edit is refused with CONFLICT if the saved settings changed since. */
        basedOn: z.string().optional(),
      })
      .strict(),
    output: z.object({ site: siteInfoSchema }),
  },
  'site:remove': {
    summary: 'Forgets a site and its secrets (its snapshots stay in the repository).',
    input: z.object({ name: z.string() }).strict(),
    output: z.object({ removed: z.boolean() }),
  },
  'site:acceptDatabaseSettings': {
    summary: 'Accepts the database wp-config.php names now as the site’s own, after the user checked the change (a saved database password may then go to it).',
    input: z.object({ name: z.string() }).strict(),
    output: z.object({ site: siteInfoSchema }),
  },
  'site:check': {
    summary:
      "The wizard's Verify, before anything is saved: whether the site's folder exists, whether it holds wp-config.php, and whether its database can be dumped the way its backups will (over SSH with a shell); the server must present the confirmed key or certificate.",
    input: z
      .object({
        ...connectionFields,
        /** The site's name: add refuses one already saved; edit uses its saved secrets when none is typed (for the same login only). */
        name: z.string().optional(),
        mode: z.enum(['add', 'edit']).default('add'),
        database: siteDatabaseInput,
        password: z.string().optional(),
        keyPassphrase: z.string().optional(),
        dbPassword: z.string().optional(),
      })
      .strict(),
    output: z.object({
      folder: z.object({ path: z.string(), exists: z.boolean() }),
      wpConfig: z.boolean(),
      access: z.enum(['shell', 'sftp-only', 'ftp']),
      database: z.object({
        /** none: files only chosen; not-found: no wp-config.php names one; no-shell: found, but this access cannot dump it. */
        state: z.enum(['none', 'not-found', 'no-shell', 'reachable', 'unreachable']),
        name: z.string().nullable(),
        user: z.string().nullable(),
        host: z.string().nullable(),
        message: z.string().nullable(),
      }),
    }),
  },
  'site:test': {
    summary: 'Connects to a saved site: shell, WordPress, database and exclusions.',
    input: z.object({ name: z.string() }).strict(),
    output: z.object({
      shell: z.boolean(),
      wordpress: z.boolean(),
      tablePrefix: z.string().nullable(),
      database: z.object({ name: z.string(), user: z.string(), host: z.string(), reachable: z.boolean(), message: z.string() }).nullable(),
      excludes: z.array(z.object({ pattern: z.string(), why: z.string() })),
    }),
  },
  'site:import': {
    summary:
      'Imports sites from a FileZilla Site Manager export or a CSV file: passwords to the keychain, no server contacted; a name already saved is kept and the new site gets a suffix (-2). Each imported site needs its server confirmed before its password is sent.',
    input: z
      .object({
        format: z.enum(['filezilla', 'csv']),
        /** The file's text (at most 1 MB; at most 500 sites are taken). */
        content: z.string().max(MAX_IMPORT_BYTES, 'The import file is larger than 1 MB.'),
        /** Where the imported sites' backups go (a CSV row may name its own). */
        destination: z.string().min(1).nullable(),
        /** Check the file and say what would be imported; save nothing. */
        dryRun: z.boolean().default(false),
      })
      .strict(),
    output: siteImportSummarySchema,
  },
  'backup:run': {
    summary: "Backs up a saved site into its destination now, as a job; the result holds the snapshot's id.",
    input: z
      .object({
        site: z.string(),
        scope: z.enum(['both', 'files', 'database']).default('both'),
        /** Another saved destination than the site's own, for this backup. */
        destination: z.string().optional(),
        /** The snapshot's time and tags (the command line's --time and --tag). */
        time: z.iso.datetime({ offset: true }).optional(),
        tags: z.array(z.string()).default([]),
      })
      .strict(),
    output: z.object({ jobId: z.string() }),
  },
  'repo:snapshots': {
    summary: "The snapshots in a saved destination's repository, oldest first.",
    input: destinationRef.extend({ site: z.string().optional() }).strict(),
    output: z.object({ snapshots: z.array(snapshotSummarySchema) }),
  },
  'repo:check': {
    summary: "Starts a check of a saved destination's repository as a job.",
    input: destinationRef.extend({ readDataPercent: z.number().min(0).max(100).default(0) }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'snapshot:browse': {
    summary: 'One folder of a snapshot (read lazily, one folder at a time).',
    input: destinationRef.extend({ snapshot: z.string(), path: z.string().default('') }).strict(),
    output: z.object({ entries: z.array(treeEntrySchema) }),
  },
  'snapshot:preview': {
    summary: 'The start of a small text file in a snapshot.',
    input: destinationRef.extend({ snapshot: z.string(), path: z.string() }).strict(),
    output: z.object({ text: z.string().nullable(), size: z.number(), truncated: z.boolean(), binary: z.boolean() }),
  },
  'snapshot:diff': {
    summary: 'What was added, removed and changed between two snapshots (identical folders skipped).',
    input: destinationRef.extend({ from: z.string(), to: z.string() }).strict(),
    output: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()), truncated: z.boolean() }),
  },
  'snapshot:search': {
    summary: "Files and folders whose name contains the text, in one snapshot or in all of a site's snapshots.",
    input: destinationRef.extend({ query: z.string().min(1).max(200), snapshot: z.string().nullable().default(null), site: z.string().nullable().default(null) }).strict(),
    output: z.object({ matches: z.array(z.object({ snapshot: z.string(), time: z.string(), path: z.string(), type: z.enum(['file', 'dir', 'symlink']), size: z.number() })), truncated: z.boolean() }),
  },
  'file:history': {
    summary: "Every version of one path across a site's snapshots, marking where its content changed.",
    input: destinationRef.extend({ site: z.string(), path: z.string().min(1) }).strict(),
    output: z.object({ versions: z.array(z.object({ snapshot: z.string(), time: z.string(), size: z.number(), mtime: z.number(), changed: z.boolean() })) }),
  },
  'retention:preview': {
    summary: "Which of a site's snapshots its retention policy keeps (and why) and which it will remove after the next scheduled backup.",
    input: z.object({ site: z.string() }).strict(),
    output: z.object({ keep: z.array(z.object({ id: z.string(), reasons: z.array(z.string()) })), remove: z.array(z.string()) }),
  },
  'restore:preview': {
    summary: 'What restoring a snapshot to a site would upload, delete and replace; writes nothing.',
    input: restoreRequest,
    output: restorePreviewSchema,
  },
  'restore:run': {
    summary: 'Restores a snapshot to a site as a job, after a safety snapshot; the result is the report.',
    input: restoreRequest,
    output: z.object({ jobId: z.string() }),
  },
  'restore:toFolder': {
    summary: 'Restores a snapshot (or some paths) into a folder on this computer, as a job; on the desktop the folder is chosen in a native dialog.',
    input: destinationRef.extend({ snapshot: z.string(), paths: z.array(z.string()).default([]), folder: z.string().nullable().default(null) }).strict(),
    output: z.object({ jobId: z.string().nullable(), folder: z.string().nullable() }),
  },
  'download:start': {
    summary: 'Downloads a snapshot, some paths or its database as .zip/.tar.gz/.tar (or .sql/.sql.gz; one file as is): a browser link (headless), a save dialog and a job (desktop), or a job writing to a file.',
    input: destinationRef
      .extend({
        snapshot: z.string(),
        paths: z.array(z.string()).default([]),
        databaseOnly: z.boolean().default(false),
        /** sql, sql.gz: the database dump alone, as it is or gzipped; file: one file (paths[0]) as it is. */
        format: z.enum(['zip', 'tar.gz', 'tar', 'sql', 'sql.gz', 'file']).default('zip'),
        /** Where there is no save dialog (the command line, headless): write it to this full path as a job instead of handing out a link. */
        file: z.string().nullable().default(null),
      })
      .strict(),
    output: z.object({ url: z.string().nullable(), jobId: z.string().nullable(), fileName: z.string() }),
  },
  'job:list': {
    summary: 'Queued, running and finished jobs, with the history kept from earlier sessions.',
    input: noInput,
    output: z.object({ jobs: z.array(jobSchema) }),
  },
  'job:cancel': {
    summary: 'Asks a running job to stop, or takes a queued one off the queue.',
    input: z.object({ id: z.string() }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  'job:resume': {
    summary: 'Starts an interrupted or failed job again from where it stopped (a backup reuses what it uploaded; a restore follows its journal).',
    input: z.object({ id: z.string() }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'replication:run': {
    summary: "Copies a site's snapshots that its second destination lacks (only missing data travels), as a job.",
    input: z.object({ site: z.string() }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'snapshot:copies': {
    summary: "Which of a site's snapshots also exist on its second destination (by the id of the original).",
    input: z.object({ site: z.string() }).strict(),
    output: z.object({ copyTo: z.string().nullable(), copies: z.array(z.string()), error: z.string().nullable() }),
  },
  'verify:testRestore': {
    summary: 'Restores a snapshot into a temporary folder and checks every file against it (and imports the dump into the scratch database, when one is set), as a job; the result is kept.',
    input: destinationRef.extend({ snapshot: z.string() }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'verify:history': {
    summary: 'Verifications kept in the catalog (read-back samples, scheduled checks, test restores), newest first.',
    input: z.object({ destination: z.string().nullable().default(null) }).strict(),
    output: z.object({ verifications: z.array(verificationSchema) }),
  },
  'email:save': {
    summary: 'Saves the email report settings; the SMTP password goes to the keychain.',
    input: emailPreferencesSchema.extend({ password: z.string().optional() }).strict(),
    output: z.object({ email: emailPreferencesSchema, hasPassword: z.boolean() }),
  },
  'email:test': {
    summary: 'Sends a test message with the saved email settings.',
    input: noInput,
    output: z.object({ sent: z.boolean() }),
  },
  'report:build': {
    summary: "A client report: one site's or a tag's sites' backups, restores, checks, storage and last verified restore point in a month (local time).",
    input: z
      .object({
        site: z.string().min(1).optional(),
        tag: z.string().min(1).optional(),
        month: z.string().regex(MONTH_PATTERN, 'A month is YYYY-MM.'),
      })
      .strict(),
    output: clientReportSchema,
  },
  'report:savePdf': {
    summary: 'Desktop only: prints the report on screen to a PDF file the user chooses in a save dialog; null when cancelled.',
    input: z.object({ fileName: z.string().min(1).max(120) }).strict(),
    output: z.object({ file: z.string().nullable() }),
  },
} as const satisfies Record<OperationName, OperationSpec>;

/** Push events from the main process to every connected renderer. */
export const events = {
  'keychain:changed': keychainStatusSchema,
  'job:progress': z.object({ id: z.string(), kind: jobSchema.shape.kind, title: z.string(), progress: progressSchema }),
  /** A job was queued, started or resumed. */
  'job:changed': jobSchema,
  'job:finished': jobSchema,
  /** A line for the user as a job goes ("Resuming …", "Safety snapshot … taken"); it is in the job's log too. */
  'job:notice': z.object({ id: z.string(), message: z.string() }),
  /** Another process (the CLI, run-due, a second window's process) changed these parts of the settings: lists shown from them are out of date. */
  'settings:changed': z.object({ parts: z.array(z.enum(['preferences', 'destinations', 'sites'])) }),
  /** Another process (the CLI, run-due) recorded runs, jobs or checks in the catalog. */
  'catalog:changed': z.object({}),
} as const satisfies Record<EventName, z.ZodType>;

export type Input<N extends OperationName> = z.input<(typeof operations)[N]['input']>;
export type Output<N extends OperationName> = z.output<(typeof operations)[N]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** An operation's input after validation (defaults applied): what handlers receive. */
export type ParsedInput<N extends OperationName> = z.output<(typeof operations)[N]['input']>;

/** What the core implements: one async handler per operation, called with validated input. */
export type ServiceHandlers = { [N in OperationName]: (input: ParsedInput<N>) => Promise<Output<N>> };

export type ServiceEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];
export type EventListener = (event: ServiceEvent) => void;

/** What the renderer sees: a named method per operation, plus `subscribe` for events. */
export type ClientApi = {
  [N in OperationName as MethodName<N>]: (input: Input<N>) => Promise<Output<N>>;
} & {
  subscribe(listener: EventListener): () => void;
};

/**
 * What the Electron preload exposes as `window.sitevault`: the same methods, returning
 * envelopes, since error fields other than the message do not survive the context bridge.
 */
export type BridgeApi = {
  [N in OperationName as MethodName<N>]: (input: Input<N>) => Promise<Envelope<Output<N>>>;
} & {
  subscribe(listener: EventListener): () => void;
};
