import { parseLocation } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import type { Site } from '../../core/settings/settings-store';
import { defineCommand, type CommandGroup } from '../command';
import { JSON_OPTION, requirePositional } from '../repo-access';
import { callService } from '../service-call';
import { CONNECTION_FLAGS, pinOnFirstUse, secretFromEnv } from '../trust-and-secrets';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';
import { scheduleSchema, type Schedule } from '../../core/automation/schedule';

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

/** The schedule the options give (null: the default for the site's kind), checked like the app checks it. */
function scheduleFromOptions(values: { 'files-at'?: string; 'db-every-hours'?: string; 'files-weekly'?: string; 'files-cron'?: string }): Schedule | null {
  if (!values['files-at'] && !values['db-every-hours'] && !values['files-weekly'] && !values['files-cron']) return null;
  const parsed = scheduleSchema.safeParse({
    files: {
      enabled: Boolean(values['files-at'] || values['files-weekly'] || values['files-cron']),
      time: values['files-at'] ?? '02:00',
      frequency: values['files-cron'] ? 'cron' : values['files-weekly'] ? 'weekly' : 'daily',
      weekday: values['files-weekly'] ? weekdayOf(values['files-weekly']) : 0,
      cron: values['files-cron'] ?? null,
    },
    database: { enabled: Boolean(values['db-every-hours']), everyHours: Number(values['db-every-hours'] ?? 6) },
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
        io.out(`${s.name.padEnd(30)} ${s.health.state.padEnd(8)} ${s.environment.padEnd(10)} ${s.url}`);
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

const siteAdd = defineCommand({
  name: 'site add',
  summary: 'Save a client site: how to reach it, its database, schedule and destinations.',
  usage: ['site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [--password-env VAR | --identity FILE] [options]'],
  details: ['Production sites get the default schedule (files daily at 02:00, database every 6 hours); staging sites get none.', 'Secrets go to the keychain; the settings file never holds one.'],
  positionals: NAME,
  options: {
    ...CONNECTION_FLAGS,
    db: { type: 'string', default: 'auto', value: 'auto|none|mysql://user@host:port/name', help: 'The database: found in wp-config.php, none, or given.' },
    'db-password-env': { type: 'string', value: 'VAR', help: 'The variable that holds the database password (for a given database).' },
    staging: { type: 'boolean', default: false, help: 'A staging site: no automatic schedule.' },
    exclude: { type: 'string', multiple: true, default: [], value: 'PATTERN', help: 'Leave out matching paths (repeatable; gitignore-like).' },
    'no-wordpress-excludes': { type: 'boolean', default: false, help: 'Keep WordPress caches and other plugins’ backups too.' },
    'reread-every': { type: 'string', default: '0', value: 'N', help: 'FTP: read every file again every N backups (0 = never).' },
    destination: { type: 'string', value: 'NAME', help: 'The saved destination its backups go to.' },
    'copy-to': { type: 'string', value: 'NAME', help: 'A second destination its snapshots are copied to.' },
    'copy-daily-at': { type: 'string', value: 'HH:MM', help: 'Copy once a day at this time instead of after each backup.' },
    'scratch-db': { type: 'string', value: 'NAME', help: 'An empty database on the site’s server that test restores import into.' },
    'files-at': { type: 'string', value: 'HH:MM', help: 'Back up the files daily at this time.' },
    'files-weekly': { type: 'string', value: 'DAY', help: 'Back up the files weekly on this day (at --files-at).' },
    'files-cron': { type: 'string', value: '"M H DOM MON DOW"', help: 'Back up the files on this cron expression (local time).' },
    'db-every-hours': { type: 'string', value: 'N', help: 'Back up the database every N hours.' },
  },
  env: SITE_ENV,
  async run({ values, positionals }, io, env) {
    const core = await openCore({ shell: 'cli', env });
    const name = positionals[0];
    if (!name) throw new UsageError('Usage: sitevault site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [options]');
    if (!values.url) throw new UsageError('--url is required.');
    if (values['password-env'] && values.identity) throw new UsageError('Give --password-env or --identity, not both.');
    const location = parseLocation(values.url);
    if (location.kind === 'local') throw new UsageError('--url must be sftp://, ftp:// or ftps://');
    const password = secretFromEnv(env, values['password-env'], '--password-env');
    const keyPassphrase = secretFromEnv(env, values['key-passphrase-env'], '--key-passphrase-env');
    const { hostKey, tlsFingerprint } = values['accept-new-host-key']
      ? await pinOnFirstUse(location, { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null, ca: values.ca }, Number(values.timeout), io)
      : { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null };
    const numbers = {
      timeoutSeconds: Number(values.timeout),
      maxRetries: Number(values['max-retries']),
      maxConnections: Number(values['max-connections']),
      rereadEvery: Number(values['reread-every']),
    };
    for (const [key, value] of Object.entries(numbers)) if (!Number.isInteger(value) || value < 0) throw new UsageError(`${key} must be a whole number.`);
    if (values['copy-daily-at'] && !values['copy-to']) throw new UsageError('--copy-daily-at needs --copy-to (the second destination).');
    if (values['copy-daily-at'] && !/^([01]\d|2[0-3]):[0-5]\d$/.test(values['copy-daily-at'])) throw new UsageError(`--copy-daily-at takes a time as HH:MM, not ${values['copy-daily-at']}.`);
    if (values['copy-to'] && values['copy-to'] === values.destination) throw new UsageError('--copy-to must name another destination than --destination.');
    const database = parseDatabaseOption(values.db);
    const { site: saved } = await callService(core, 'site:save', {
      name,
      url: values.url,
      environment: values.staging ? 'staging' : 'production',
      identityFile: values.identity ?? null,
      hostKey,
      caFile: values.ca ?? null,
      tlsFingerprint,
      excludes: values.exclude,
      wordpressExcludes: !values['no-wordpress-excludes'],
      database: database.mode === 'manual' ? { host: database.host!, port: database.port, socket: database.socket, name: database.name!, user: database.user! } : database.mode,
      passive: !values.active,
      destination: values.destination ?? null,
      copyTo: values['copy-to'] ?? null,
      scratchDatabase: values['scratch-db'] ?? null,
      copyWhen: values['copy-daily-at'] ? 'daily' : 'after-backup',
      copyAt: values['copy-daily-at'] ?? '04:00',
      schedule: scheduleFromOptions(values),
      ...numbers,
      password,
      keyPassphrase,
      dbPassword: secretFromEnv(env, values['db-password-env'], '--db-password-env'),
    });
    io.out(`Saved site ${saved.name} (${saved.environment}); its secrets are in the keychain.`);
    return EXIT_OK;
  },
});

export const siteCommand: CommandGroup = {
  name: 'site',
  summary: 'Save, list, test and remove client sites.',
  subcommands: [siteAdd, siteList, siteShow, siteTest, siteAcceptDatabase, siteRemove],
};
