import { parseArgs } from 'node:util';
import { parseLocation } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import type { Site } from '../../core/settings/settings-store';
import { openSite } from '../../core/sites/open-site';
import { SiteStore } from '../../core/sites/site-store';
import type { CliOutput } from '../output';
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

export function siteSecrets(store: SiteStore, name: string) {
  return store.secretsOf(name);
}

/** `sitevault site add|list|show|remove|test`. */
export async function siteCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = args;
  const core = await openCore({ shell: 'cli', env });
  const store = new SiteStore(core.settings, core.secrets);
  switch (action) {
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true });
      const sites = store.list();
      if (values.json) io.out(JSON.stringify(sites.map((s) => ({ name: s.name, url: s.url, environment: s.environment }))));
      else for (const s of sites) io.out(`${s.name.padEnd(30)} ${s.environment.padEnd(10)} ${s.url}`);
      return EXIT_OK;
    }
    case 'show': {
      const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
      const site = store.get(positionals[0] ?? '');
      const shown = {
        ...site,
        hasPassword: await store.has(site.name, 'password'),
        hasKeyPassphrase: await store.has(site.name, 'keyPassphrase'),
        hasDatabasePassword: await store.has(site.name, 'dbPassword'),
      };
      if (values.json) io.out(JSON.stringify(shown));
      else for (const [key, value] of Object.entries(shown)) io.out(`${key.padEnd(20)} ${JSON.stringify(value)}`);
      return EXIT_OK;
    }
    case 'remove': {
      const name = rest[0];
      if (!name) throw new UsageError('Usage: sitevault site remove NAME');
      await store.remove(name);
      io.out(`Removed site ${name} and its secrets.`);
      return EXIT_OK;
    }
    case 'test': {
      const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
      const site = store.get(positionals[0] ?? '');
      const secrets = await siteSecrets(store, site.name);
      const connection = await openSite(site, secrets);
      try {
        const database = connection.database
          ? connection.testDatabase
            ? await connection.testDatabase()
            : { ok: false, message: 'the database needs SSH with a shell (this site allows file transfer only)' }
          : null;
        const report = {
          site: site.name,
          connected: true,
          shell: connection.shell,
          wordpress: connection.wordpress !== false,
          database: connection.database ? { name: connection.database.name, user: connection.database.user, host: connection.database.host, reachable: database!.ok, message: database!.message } : null,
          tablePrefix: connection.wordpress ? connection.wordpress.tablePrefix : null,
          excludes: connection.excludes,
        };
        if (values.json) io.out(JSON.stringify(report));
        else {
          io.out(`Connected to ${site.name} (${site.url}).`);
          io.out(`  Shell:     ${report.shell ? 'available (fast listing and transfers)' : 'not available (file transfer only)'}`);
          io.out(`  WordPress: ${report.wordpress ? `detected${report.tablePrefix ? `, table prefix ${report.tablePrefix}` : ''}` : 'not detected'}`);
          io.out(`  Database:  ${report.database ? `${report.database.name} as ${report.database.user}@${report.database.host}: ${report.database.reachable ? 'reachable' : `NOT reachable (${report.database.message})`}` : 'none'}`);
          for (const e of report.excludes) io.out(`  Excluded:  ${e.pattern} (${e.why})`);
        }
        return report.database && !report.database.reachable ? EXIT_ERROR : EXIT_OK;
      } finally {
        await connection.close();
      }
    }
    case 'add': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: {
          ...CONNECTION_FLAGS,
          db: { type: 'string', default: 'auto' },
          'db-password-env': { type: 'string' },
          staging: { type: 'boolean', default: false },
          exclude: { type: 'string', multiple: true, default: [] },
          'no-wordpress-excludes': { type: 'boolean', default: false },
          'reread-every': { type: 'string', default: '0' },
          destination: { type: 'string' },
          'copy-to': { type: 'string' },
          'scratch-db': { type: 'string' },
          'copy-daily-at': { type: 'string' },
          'files-at': { type: 'string' },
          'db-every-hours': { type: 'string' },
          'files-weekly': { type: 'string' },
          'files-cron': { type: 'string' },
        },
      });
      const name = positionals[0];
      if (!name) throw new UsageError('Usage: sitevault site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [options]');
      if (!values.url) throw new UsageError('--url is required.');
      if (values['password-env'] && values.identity) throw new UsageError('Give --password-env or --identity, not both.');
      const location = parseLocation(values.url);
      if (location.kind === 'local') throw new UsageError('--url must be sftp://, ftp:// or ftps://');
      const password = secretFromEnv(env, values['password-env'], '--password-env');
      const keyPassphrase = secretFromEnv(env, values['key-passphrase-env'], '--key-passphrase-env');
      const { hostKey, tlsFingerprint } = values['accept-new-host-key']
        ? await pinOnFirstUse(location, { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null, ca: values.ca }, { password, identityFile: values.identity, keyPassphrase }, Number(values.timeout), io)
        : { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null };
      const numbers = {
        timeoutSeconds: Number(values.timeout),
        maxRetries: Number(values['max-retries']),
        maxConnections: Number(values['max-connections']),
        rereadEvery: Number(values['reread-every']),
      };
      for (const [key, value] of Object.entries(numbers)) if (!Number.isInteger(value) || value < 0) throw new UsageError(`${key} must be a whole number.`);
      for (const name of [values.destination, values['copy-to']]) {
        if (name && !core.destinations.find(name)) throw new UsageError(`No destination named ${name} (see \`sitevault destination list\`).`);
      }
      if (values['copy-daily-at'] && !values['copy-to']) throw new UsageError('--copy-daily-at needs --copy-to (the second destination).');
      if (values['copy-daily-at'] && !/^([01]\d|2[0-3]):[0-5]\d$/.test(values['copy-daily-at'])) throw new UsageError(`--copy-daily-at takes a time as HH:MM, not ${values['copy-daily-at']}.`);
      if (values['copy-to'] && values['copy-to'] === values.destination) throw new UsageError('--copy-to must name another destination than --destination.');
      const saved = await store.save(
        {
          name,
          url: values.url,
          environment: values.staging ? 'staging' : 'production',
          identityFile: values.identity ?? null,
          hostKey,
          caFile: values.ca ?? null,
          tlsFingerprint,
          excludes: values.exclude,
          wordpressExcludes: !values['no-wordpress-excludes'],
          database: parseDatabaseOption(values.db),
          passive: !values.active,
          destination: values.destination ?? null,
          copyTo: values['copy-to'] ?? null,
          scratchDatabase: values['scratch-db'] ?? null,
          copyWhen: values['copy-daily-at'] ? 'daily' : 'after-backup',
          copyAt: values['copy-daily-at'] ?? '04:00',
          schedule: scheduleFromOptions(values),
          ...numbers,
        },
        { password, keyPassphrase, dbPassword: secretFromEnv(env, values['db-password-env'], '--db-password-env') },
      );
      io.out(`Saved site ${saved.name} (${saved.environment}); its secrets are in the keychain.`);
      return EXIT_OK;
    }
    default:
      throw new UsageError('Usage: sitevault site add|list|show|remove|test …');
  }
}
