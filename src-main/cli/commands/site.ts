import { parseLocation, sameLogin, sameServer } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import type { Input } from '../../core/contract/operations';
import { siteSchema, type Site } from '../../core/settings/settings-store';
import { defineCommand, withoutDefaults, type CommandGroup, type OptionValues } from '../command';
import type { CliOutput } from '../output';
import { JSON_OPTION, requirePositional } from '../repo-access';
import { callService } from '../service-call';
import { CONNECTION_FLAGS, pinOnFirstUse, secretFromEnv } from '../trust-and-secrets';
import { EXIT_ERROR, EXIT_OK, UsageError, wholeNumber } from '../usage';
import { effectiveSchedule, scheduleSchema, type Schedule } from '../../core/automation/schedule';
import { siteTagsSchema, uniqueTags } from '../../core/settings/site-tags';

const ORDINALS = ['first', 'second', 'third'];

/**
 * The tags `--tag` (repeatable) and `--no-tags` give, checked as the app checks them; undefined
 * when neither is given (`site edit` keeps the saved ones). Given tags replace the saved ones.
 */
export function tagsFromOptions(values: { tag?: string[]; 'no-tags'?: boolean }): string[] | undefined {
  const given = values.tag ?? [];
  if (values['no-tags'] && given.length > 0) throw new UsageError('Give --tag or --no-tags, not both.');
  if (values['no-tags']) return [];
  if (given.length === 0) return undefined;
  const tags = uniqueTags(given);
  const parsed = siteTagsSchema.safeParse(tags);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // The tag is named by its place, not echoed: it may hold characters a terminal would act on.
  const at = typeof issue.path[0] === 'number' ? issue.path[0] : null;
  const which = at === null ? '' : ` (the ${ORDINALS[at] ?? `${at + 1}th`} one)`;
  throw new UsageError(`--tag${which}: ${issue.message}`);
}
import { siteImport } from './site-import';

/** `--db auto|none|mysql://user@host:port/dbname` */
export function parseDatabaseOption(value: string): Site['database'] {
  if (value === 'auto' || value === 'none') return { mode: value, host: null, port: null, socket: null, name: null, user: null };
  const match = /^mysql:\/\//.test(value) ? new URL(value) : null;
  if (!match || !match.username || match.pathname.length < 2) throw new UsageError('--db takes auto, none, or mysql://user@host:port/dbname');
  if (match.password) throw new UsageError('Do not put the database password in --db; use --db-password-env.');
  return {
    mode: 'manual',
    host: match.hostname || 'localhost',
    port: match.port ? Number(match.port) : null,
    socket: null,
    name: decodeURIComponent(match.pathname.slice(1)),
    user: decodeURIComponent(match.username),
  };
}

type ScheduleFlags = { 'files-at'?: string; 'db-every-hours'?: string; 'files-weekly'?: string; 'files-cron'?: string; 'no-files-schedule'?: boolean; 'no-db-schedule'?: boolean };

/**
 * The schedule the options give, checked like the app checks it: `saved` when none is given
 * (null: the default for the site's kind). A files option replaces the files part of `base`
 * (the schedule in effect) and a database option its database part; the other part stays.
 */
function scheduleFromOptions(values: ScheduleFlags, saved: Schedule | null, base: Schedule | null): Schedule | null {
  const filesGiven = Boolean(values['files-at'] || values['files-weekly'] || values['files-cron'] || values['no-files-schedule']);
  const databaseGiven = Boolean(values['db-every-hours'] || values['no-db-schedule']);
  if (!filesGiven && !databaseGiven) return saved;
  const start = base ?? { files: { enabled: false, time: '02:00', frequency: 'daily' as const, weekday: 0, cron: null }, database: { enabled: false, everyHours: 6 } };
  const parsed = scheduleSchema.safeParse({
    files: filesGiven
      ? {
          enabled: !values['no-files-schedule'],
          time: values['files-at'] ?? start.files.time,
          frequency: values['files-cron'] ? 'cron' : values['files-weekly'] ? 'weekly' : values['files-at'] ? 'daily' : start.files.frequency,
          weekday: values['files-weekly'] ? weekdayOf(values['files-weekly']) : start.files.weekday,
          cron: values['files-cron'] ?? start.files.cron,
        }
      : start.files,
    database: databaseGiven ? { enabled: !values['no-db-schedule'], everyHours: Number(values['db-every-hours'] ?? start.database.everyHours) } : start.database,
  });
  if (!parsed.success) throw new UsageError(`Schedule: ${parsed.error.issues[0]?.message ?? 'not valid'}`);
  return parsed.data;
}

const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function weekdayOf(text: string): number {
  const index = WEEKDAY_NAMES.indexOf(text.trim().toLowerCase().slice(0, 3));
  if (index < 0) throw new UsageError(`--files-weekly takes a day of the week (monday … sunday), not ${text}.`);
  return index;
}

const NAME = [{ name: 'NAME', help: 'The site’s name, as saved.' }];
const SITE_ENV = { SITEVAULT_HOME: 'The data folder (settings, catalog); secrets are in the keychain.' };

const siteList = defineCommand({
  name: 'site list',
  summary: 'List the saved sites.',
  usage: ['site list [--json]'],
  options: JSON_OPTION,
  env: SITE_ENV,
  async run({ values }, io, env) {
    const { sites } = await callService(await openCore({ shell: 'cli', env }), 'site:list', {});
    if (values.json) io.out(JSON.stringify(sites));
    else if (sites.length === 0) io.out('No sites yet. Add one with sitevault site add NAME --url URL (see sitevault site add --help).');
    else {
      for (const s of sites) {
        io.out(`${s.name.padEnd(30)} ${s.health.state.padEnd(8)} ${s.environment.padEnd(10)} ${s.url}${s.tags.length > 0 ? `  [${s.tags.join(', ')}]` : ''}`);
        if (s.health.lastError) io.out(`  ! failing since ${s.health.failingSince} (${s.health.failures} run${s.health.failures === 1 ? '' : 's'}): ${s.health.lastError.message}`);
        if (s.databaseSettingsChanged) io.out(`  ! ${s.databaseSettingsChanged} (sitevault site accept-database ${s.name})`);
      }
    }
    return EXIT_OK;
  },
});

const siteShow = defineCommand({
  name: 'site show',
  summary: 'Show a saved site’s settings (never its secrets: only whether each is stored).',
  usage: ['site show NAME [--json]'],
  positionals: NAME,
  options: JSON_OPTION,
  env: SITE_ENV,
  async run({ values, positionals }, io, env) {
    const { settings, ...stored } = await callService(await openCore({ shell: 'cli', env }), 'site:get', { name: requirePositional(positionals, 0, 'NAME') });
    const shown = { ...settings, ...stored };
    if (values.json) io.out(JSON.stringify(shown));
    else for (const [key, value] of Object.entries(shown)) io.out(`${key.padEnd(20)} ${JSON.stringify(value)}`);
    return EXIT_OK;
  },
});

const siteRemove = defineCommand({
  name: 'site remove',
  summary: 'Remove a saved site and its secrets (its snapshots stay in the repository).',
  usage: ['site remove NAME'],
  positionals: NAME,
  options: {},
  env: SITE_ENV,
  async run({ positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    await callService(await openCore({ shell: 'cli', env }), 'site:remove', { name });
    io.out(`Removed site ${name} and its secrets.`);
    return EXIT_OK;
  },
});

const siteAcceptDatabase = defineCommand({
  name: 'site accept-database',
  summary: 'Accept the database wp-config.php names now, after you checked why it changed.',
  usage: ['site accept-database NAME'],
  positionals: NAME,
  options: {},
  env: SITE_ENV,
  async run({ positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    await callService(await openCore({ shell: 'cli', env }), 'site:acceptDatabaseSettings', { name });
    io.out(`Accepted: the database wp-config.php of ${name} names at its next backup or test is its own.`);
    return EXIT_OK;
  },
});

const siteTest = defineCommand({
  name: 'site test',
  summary: 'Connect to a saved site; report its shell, WordPress, database and exclusions.',
  usage: ['site test NAME [--json]'],
  positionals: NAME,
  options: JSON_OPTION,
  env: SITE_ENV,
  async run({ values, positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    const tested = await callService(await openCore({ shell: 'cli', env }), 'site:test', { name });
    const report = { site: name, connected: true, ...tested };
    if (values.json) io.out(JSON.stringify(report));
    else {
      io.out(`Connected to ${name}.`);
      io.out(`  Shell:     ${report.shell ? 'available (fast listing and transfers)' : 'not available (file transfer only)'}`);
      io.out(`  WordPress: ${report.wordpress ? `detected${report.tablePrefix ? `, table prefix ${report.tablePrefix}` : ''}` : 'not detected'}`);
      io.out(
        `  Database:  ${report.database ? `${report.database.name} as ${report.database.user}@${report.database.host}: ${report.database.reachable ? 'reachable' : `NOT reachable (${report.database.message})`}` : 'none'}`,
      );
      for (const e of report.excludes) io.out(`  Excluded:  ${e.pattern} (${e.why})`);
    }
    return report.database && !report.database.reachable ? EXIT_ERROR : EXIT_OK;
  },
});

/** The settings of a site, as `site edit` takes them: an option not given keeps what is saved. */
const SITE_FLAGS = {
  ...withoutDefaults(CONNECTION_FLAGS),
  db: { type: 'string', value: 'auto|none|mysql://user@host:port/name', help: 'The database: found in wp-config.php, none, or given.' },
  'db-password-env': { type: 'string', value: 'VAR', help: 'The variable that holds the database password (for a given database).' },
  staging: { type: 'boolean', help: 'A staging site: no automatic schedule.' },
  exclude: { type: 'string', multiple: true, value: 'PATTERN', help: 'Leave out matching paths (repeatable; gitignore-like).' },
  'no-wordpress-excludes': { type: 'boolean', help: 'Keep WordPress caches and other plugins’ backups too.' },
  'reread-every': { type: 'string', value: 'N', help: 'FTP: read every file again every N backups (0 = never).' },
  tag: { type: 'string', multiple: true, value: 'TAG', help: 'A client or other label, for the dashboard and reports (repeatable; on edit, replaces the saved tags).' },
  destination: { type: 'string', value: 'NAME', help: 'The saved destination its backups go to.' },
  'copy-to': { type: 'string', value: 'NAME', help: 'A second destination its snapshots are copied to.' },
  'copy-daily-at': { type: 'string', value: 'HH:MM', help: 'Copy once a day at this time instead of after each backup.' },
  'scratch-db': { type: 'string', value: 'NAME', help: 'An empty database on the site’s server that test restores import into.' },
  'files-at': { type: 'string', value: 'HH:MM', help: 'Back up the files daily at this time.' },
  'files-weekly': { type: 'string', value: 'DAY', help: 'Back up the files weekly on this day (at --files-at).' },
  'files-cron': { type: 'string', value: '"M H DOM MON DOW"', help: 'Back up the files on this cron expression (local time).' },
  'db-every-hours': { type: 'string', value: 'N', help: 'Back up the database every N hours.' },
  'keep-daily': { type: 'string', value: 'N', help: 'Retention: keep the last snapshot of N days.' },
  'keep-weekly': { type: 'string', value: 'N', help: 'Retention: keep the last snapshot of N weeks.' },
  'keep-monthly': { type: 'string', value: 'N', help: 'Retention: keep the last snapshot of N months.' },
  'keep-yearly': { type: 'string', value: 'N', help: 'Retention: keep the last snapshot of N years.' },
} as const;

/** `site edit` alone: the ways back from what `site add`'s flags can only switch on. */
const EDIT_ONLY_FLAGS = {
  production: { type: 'boolean', help: 'A production site again (the default schedule, unless one is set).' },
  'wordpress-excludes': { type: 'boolean', help: 'Apply the WordPress exclusions again.' },
  passive: { type: 'boolean', help: 'FTP: passive mode again.' },
  'no-copy': { type: 'boolean', help: 'Stop copying to a second destination.' },
  'no-files-schedule': { type: 'boolean', help: 'No automatic files backups.' },
  'no-db-schedule': { type: 'boolean', help: 'No automatic database backups.' },
  'no-scratch-db': { type: 'boolean', help: 'Test restores import no dump.' },
  'no-tags': { type: 'boolean', help: 'Remove every tag.' },
} as const;

type SiteFlagValues = OptionValues<typeof SITE_FLAGS> & Partial<OptionValues<typeof EDIT_ONLY_FLAGS>>;
type SiteSaveInput = Input<'site:save'>;

/** The database setting as `site:save` takes it, from the settings file's shape. */
function databaseInput(database: Site['database']): SiteSaveInput['database'] {
  if (database.mode !== 'manual') return database.mode;
  return { host: database.host ?? 'localhost', port: database.port, socket: database.socket, name: database.name ?? '', user: database.user ?? '' };
}

/**
 * What `site add` (over nothing) and `site edit` (over the saved site) send to `site:save`: the
 * flags given, and for the rest what is saved (or the defaults).
 */
async function siteSaveInput(
  name: string,
  values: SiteFlagValues,
  current: Site | null,
  env: NodeJS.ProcessEnv,
  io: CliOutput,
  /** Whether the saved site has a login password or key passphrase in the keychain. */
  savedSecrets = false,
): Promise<SiteSaveInput> {
  const url = values.url ?? current?.url;
  if (!url) throw new UsageError('--url is required.');
  if (values['password-env'] && values.identity) throw new UsageError('Give --password-env or --identity, not both.');
  if (values.staging && values.production) throw new UsageError('Give --staging or --production, not both.');
  if (values['copy-to'] && values['no-copy']) throw new UsageError('Give --copy-to or --no-copy, not both.');
  const location = parseLocation(url);
  if (location.kind === 'local') throw new UsageError('--url must be sftp://, ftp:// or ftps://');
  // A pinned key or certificate belongs to its server: a new server is confirmed again.
  const keepPins = current !== null && sameServer(current.url, url);
  const pins = { hostKey: values['host-key'] ?? (keepPins ? current.hostKey : null), tlsFingerprint: values['tls-fingerprint'] ?? (keepPins ? current.tlsFingerprint : null) };
  const ca = values.ca ?? current?.caFile ?? undefined;
  const { hostKey, tlsFingerprint } = values['accept-new-host-key'] ? await pinOnFirstUse(location, { ...pins, ca }, Number(values.timeout ?? current?.timeoutSeconds ?? 30), io) : pins;
  if (current && !keepPins && !hostKey && !tlsFingerprint && location.kind !== 'ftp')
    io.err(`The address names another server: confirm its ${location.kind === 'sftp' ? 'host key' : 'certificate'} with --host-key, --tls-fingerprint or --accept-new-host-key before its next backup.`);
  if (current && savedSecrets && !sameLogin(current.url, url) && !values['password-env'] && !values['key-passphrase-env'])
    io.err('The address names another login: the saved password and key passphrase are removed (they belong to the old one); give the new ones with --password-env or --key-passphrase-env.');
  const copyTo = values['no-copy'] ? null : (values['copy-to'] ?? current?.copyTo ?? null);
  const destination = values.destination ?? current?.destination ?? null;
  if (values['copy-daily-at'] && !copyTo) throw new UsageError('--copy-daily-at needs --copy-to (the second destination).');
  if (values['copy-daily-at'] && !/^([01]\d|2[0-3]):[0-5]\d$/.test(values['copy-daily-at'])) throw new UsageError(`--copy-daily-at takes a time as HH:MM, not ${values['copy-daily-at']}.`);
  if (copyTo && copyTo === destination) throw new UsageError('--copy-to must name another destination than --destination.');
  const environment = values.staging ? 'staging' : values.production ? 'production' : (current?.environment ?? 'production');
  const retentionGiven = ['keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly'] as const;
  const retention = retentionGiven.some((flag) => values[flag] !== undefined)
    ? {
        daily: wholeNumber(values['keep-daily'], 'keep-daily') ?? current?.retention.daily ?? 12,
        weekly: wholeNumber(values['keep-weekly'], 'keep-weekly') ?? current?.retention.weekly ?? 0,
        monthly: wholeNumber(values['keep-monthly'], 'keep-monthly') ?? current?.retention.monthly ?? 3,
        yearly: wholeNumber(values['keep-yearly'], 'keep-yearly') ?? current?.retention.yearly ?? 1,
      }
    : undefined;
  return {
    name,
    url,
    environment,
    tags: tagsFromOptions(values),
    identityFile: values.identity ?? (values['password-env'] ? null : (current?.identityFile ?? null)),
    hostKey,
    caFile: ca ?? null,
    tlsFingerprint,
    excludes: values.exclude && values.exclude.length > 0 ? values.exclude : current ? current.excludes : [],
    wordpressExcludes: values['no-wordpress-excludes'] ? false : values['wordpress-excludes'] ? true : (current?.wordpressExcludes ?? true),
    database: values.db !== undefined ? databaseInput(parseDatabaseOption(values.db)) : current ? databaseInput(current.database) : 'auto',
    passive: values.active ? false : values.passive ? true : (current?.passive ?? true),
    destination,
    copyTo,
    scratchDatabase: values['no-scratch-db'] ? null : (values['scratch-db'] ?? current?.scratchDatabase ?? null),
    copyWhen: values['copy-daily-at'] ? 'daily' : values['copy-to'] || !current ? 'after-backup' : current.copyWhen,
    copyAt: values['copy-daily-at'] ?? current?.copyAt ?? '04:00',
    schedule: scheduleFromOptions(values, current?.schedule ?? null, current ? effectiveSchedule({ environment, schedule: current.schedule }) : null),
    timeoutSeconds: wholeNumber(values.timeout, 'timeout') ?? current?.timeoutSeconds ?? 30,
    maxRetries: wholeNumber(values['max-retries'], 'max-retries') ?? current?.maxRetries ?? 5,
    maxConnections: wholeNumber(values['max-connections'], 'max-connections') ?? current?.maxConnections ?? 0,
    rereadEvery: wholeNumber(values['reread-every'], 'reread-every') ?? current?.rereadEvery ?? 0,
    ...(retention ? { retention } : {}),
    password: secretFromEnv(env, values['password-env'], '--password-env'),
    keyPassphrase: secretFromEnv(env, values['key-passphrase-env'], '--key-passphrase-env'),
    dbPassword: secretFromEnv(env, values['db-password-env'], '--db-password-env'),
  };
}

const siteAdd = defineCommand({
  name: 'site add',
  summary: 'Save a client site: how to reach it, its database, schedule and destinations.',
  usage: ['site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [--password-env VAR | --identity FILE] [options]'],
  details: [
    'Production sites get the default schedule (files daily at 02:00, database every 6 hours); staging sites get none.',
    'Secrets go to the keychain; the settings file never holds one. A name already saved is refused: change that site with site edit.',
  ],
  positionals: NAME,
  options: {
    ...SITE_FLAGS,
    ...CONNECTION_FLAGS,
    db: { ...SITE_FLAGS.db, default: 'auto' },
    staging: { ...SITE_FLAGS.staging, default: false },
    exclude: { ...SITE_FLAGS.exclude, default: [] },
    'no-wordpress-excludes': { ...SITE_FLAGS['no-wordpress-excludes'], default: false },
    'reread-every': { ...SITE_FLAGS['reread-every'], default: '0' },
  },
  env: SITE_ENV,
  async run({ values, positionals }, io, env) {
    const core = await openCore({ shell: 'cli', env });
    const name = positionals[0];
    if (!name) throw new UsageError('Usage: sitevault site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [options]');
    if (!values.url) throw new UsageError('--url is required.');
    const { site: saved } = await callService(core, 'site:save', { ...(await siteSaveInput(name, values, null, env, io)), mode: 'add' });
    io.out(`Saved site ${saved.name} (${saved.environment}); its secrets are in the keychain.`);
    return EXIT_OK;
  },
});

const siteEdit = defineCommand({
  name: 'site edit',
  summary: 'Change a saved site: only the options given change; the rest stays as saved.',
  usage: ['site edit NAME [--url URL] [--password-env VAR | --identity FILE] [--destination NAME] [--tag TAG]... [--files-at HH:MM] [--keep-daily N] [options]'],
  details: [
    'A new password or key passphrase replaces the one in the keychain. An address on another server needs its host key or certificate',
    'confirmed again (--host-key, --tls-fingerprint or --accept-new-host-key). --exclude replaces the saved exclusions, --tag the saved tags.',
  ],
  positionals: NAME,
  options: { ...SITE_FLAGS, ...EDIT_ONLY_FLAGS },
  env: SITE_ENV,
  async run({ values, positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    const core = await openCore({ shell: 'cli', env });
    const { settings, revision, hasPassword, hasKeyPassphrase } = await callService(core, 'site:get', { name });
    const current = siteSchema.parse(settings);
    const input = await siteSaveInput(name, values, current, env, io, hasPassword || hasKeyPassphrase);
    const { site: saved } = await callService(core, 'site:save', { ...input, mode: 'edit', basedOn: revision });
    io.out(`Saved site ${saved.name} (${saved.environment}).`);
    return EXIT_OK;
  },
});

export const siteCommand: CommandGroup = {
  name: 'site',
  summary: 'Save, edit, import, list, test and remove client sites.',
  subcommands: [siteAdd, siteEdit, siteImport, siteList, siteShow, siteTest, siteAcceptDatabase, siteRemove],
};
