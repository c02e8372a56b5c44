import type { BackupRunReport } from '../../core/automation/site-backup-run';
import type { Snapshot } from '../../core/engine/snapshots';
import type { Warning } from '../../core/engine/source';
import { backup } from '../../core/engine/backup';
import { LocalSource } from '../../core/engine/local-source';
import { parseLocation } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import { siteSchema, type Site } from '../../core/settings/settings-store';
import type { SiteSecrets } from '../../core/sites/open-site';
import { backupSite } from '../../core/sites/site-backup';
import { followJob } from '../job-wait';
import type { CliOutput } from '../output';
import { callService } from '../service-call';
import { defineCommand } from '../command';
import { formatBytes, formatDuration } from '../format';
import { pinOnFirstUse } from '../trust-and-secrets';
import { parseDatabaseOption } from './site';
import { terminalProgress } from '../progress-bar';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'Back up a folder, a site by its URL, or a saved site into a repository.',
  usage: [
    'backup --repo REPO --source DIR [--site NAME] [--time ISO8601] [--tag T]... [--json]',
    'backup --repo REPO --site NAME [--files-only|--db-only] [--json]',
    'backup --repo REPO --source sftp://…|ftp://…|ftps://… [--db auto|none|mysql://…] [--json]',
  ],
  details: [
    'Only new and changed files are read; every snapshot is complete on its own. A site over SSH with a',
    'shell is listed in one round trip and read as one tar stream; its database is dumped with mysqldump.',
  ],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    source: { type: 'string', value: 'DIR|URL', help: 'A folder on this computer, or a site URL (sftp://user@host:port/path, ftp://…, ftps://…).' },
    site: { type: 'string', value: 'NAME', help: 'A saved site (see site add), or the name to record for --source.' },
    time: { type: 'string', value: 'ISO8601', help: 'The snapshot’s time (default: now).' },
    tag: { type: 'string', multiple: true, default: [], value: 'T', help: 'A tag to add to the snapshot (repeatable).' },
    'files-only': { type: 'boolean', default: false, help: 'The files without the database.' },
    'db-only': { type: 'boolean', default: false, help: 'The database without the files.' },
    db: { type: 'string', value: 'auto|none|mysql://user@host:port/name', help: 'The database: found in wp-config.php (auto), none, or given.' },
    'source-identity': { type: 'string', value: 'FILE', help: 'The SSH key for a --source URL.' },
    'source-host-key': { type: 'string', value: 'SHA256:…', help: 'The confirmed host key of a --source URL.' },
    'accept-new-source-host-key': { type: 'boolean', default: false, help: 'Trust the key or certificate the --source server shows this once.' },
    'source-ca': { type: 'string', value: 'FILE', help: 'FTPS: the CA of a --source server’s certificate.' },
    'source-tls-fingerprint': { type: 'string', value: 'SHA256:…', help: 'FTPS: the confirmed certificate of a --source server.' },
  },
  env: {
    ...REPO_ENV,
    SITEVAULT_SOURCE_PASSWORD: 'The login password of a --source URL.',
    SITEVAULT_SOURCE_KEY_PASSPHRASE: 'The passphrase of --source-identity.',
    SITEVAULT_DB_PASSWORD: 'The database password, when wp-config.php does not give it.',
  },
  async run({ values }, io, env) {
    if (values['files-only'] && values['db-only']) throw new UsageError('--files-only and --db-only exclude each other.');
    const remoteSource = values.source !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(values.source);
    const core = values.source === undefined || remoteSource ? await openCore({ shell: 'cli', env }) : null;
    const time = values.time ? new Date(values.time) : undefined;
    if (time && Number.isNaN(time.getTime())) throw new UsageError(`--time is not an ISO 8601 time: ${values.time}`);
    // A saved site into its own destination or another saved one: as the app does it, through the service
    // (recorded in the catalog, read back, copied to its second destination).
    if (core && values.source === undefined && values.site && !values.db && (values.repo === undefined || core.destinations.find(values.repo))) {
      const scope = values['files-only'] ? 'files' : values['db-only'] ? 'database' : 'both';
      const { jobId } = await callService(core, 'backup:run', { site: values.site, scope, destination: values.repo, time: time?.toISOString(), tags: values.tag });
      const report = (await followJob(core, jobId)).result as unknown as BackupRunReport;
      printSnapshot(io, values.json, { id: report.snapshot, time: report.time, site: report.site, kind: report.kind, stats: report.stats, warnings: report.warningList });
      if (!values.json && report.replication) io.out(`  copied to ${report.replication.destination}: ${report.replication.copied} snapshots`);
      return EXIT_OK;
    }
    if (values.repo === undefined) throw new UsageError('--repo is required with --source (a saved site uses its own destination).');
    let site: Site | null = null;
    let secrets: SiteSecrets = {};
    if (remoteSource) {
      // An unsaved site: its secrets come from the environment, its trust from the flags.
      site = siteSchema.parse({
        name:
          values.site ??
          values
            .source!.replace(/^([a-z]+:\/\/[^@/]*@)?/i, '')
            .replace(/[/:]+/g, '_')
            .slice(0, 60),
        url: values.source,
        identityFile: values['source-identity'] ?? null,
        hostKey: values['source-host-key'] ?? null,
        caFile: values['source-ca'] ?? null,
        tlsFingerprint: values['source-tls-fingerprint'] ?? null,
        database: parseDatabaseOption(values.db ?? 'auto'),
      });
      if (values['accept-new-source-host-key']) {
        const pinned = await pinOnFirstUse(parseLocation(site.url), { hostKey: site.hostKey, tlsFingerprint: site.tlsFingerprint, ca: site.caFile ?? undefined }, site.timeoutSeconds, {
          out: (text) => io.err(text),
          err: (text) => io.err(text),
        });
        site = { ...site, ...pinned };
      }
      secrets = { password: env['SITEVAULT_SOURCE_PASSWORD'] || undefined, keyPassphrase: env['SITEVAULT_SOURCE_KEY_PASSPHRASE'] || undefined, dbPassword: env['SITEVAULT_DB_PASSWORD'] || undefined };
    } else if (values.source === undefined) {
      if (!values.site) throw new UsageError('Give --site NAME (a saved site) or --source (a folder or a site URL).');
      site = core!.sites.get(values.site);
      if (values.db) site = { ...site, database: parseDatabaseOption(values.db) };
      secrets = await core!.sites.secretsOf(site.name);
    } else if (values['db-only']) {
      throw new UsageError('--db-only needs a site (--site NAME or a site URL as --source).');
    }
    const opening = openRepo(values.repo, env, values);
    opening.catch(() => {});
    const bar = terminalProgress();
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    try {
      const common = { tags: values.tag, time, signal: controller.signal, onProgress: bar.listener };
      const { id, snapshot, databaseError } = site
        ? await backupSite(opening, site, secrets, {
            ...common,
            scope: values['files-only'] ? 'files' : values['db-only'] ? 'database' : 'both',
            // A saved site's database settings are compared with those first found (an unsaved one has none).
            noteDatabaseSettings: remoteSource ? undefined : (found) => core!.catalog.noteDatabaseSettings(site!.name, found, (time ?? new Date()).toISOString()),
          })
        : await (async () => {
            const source = new LocalSource(values.source!);
            return { ...(await backup(await opening, source, { ...common, site: values.site ?? source.description })), databaseError: null };
          })();
      bar.done();
      printSnapshot(io, values.json, { id, ...snapshot });
      // The files were saved; the missing database still fails the command.
      if (databaseError) throw databaseError;
      return EXIT_OK;
    } finally {
      process.off('SIGINT', onSignal);
      const repo = await opening.catch(() => null);
      await repo?.backend.close();
    }
  },
});

interface SnapshotSummary {
  id: string;
  time: string;
  site: string;
  kind: string;
  stats: Snapshot['stats'];
  warnings: Warning[];
}

/** The backup's result: `--json` is a contract other tools read. */
function printSnapshot(io: CliOutput, json: boolean, snapshot: SnapshotSummary): void {
  const s = snapshot.stats;
  if (json) {
    io.out(
      JSON.stringify({
        id: snapshot.id,
        time: snapshot.time,
        site: snapshot.site,
        files: s.files,
        bytes: s.bytes,
        files_new: s.files_new,
        files_changed: s.files_changed,
        files_unchanged: s.files_unchanged,
        bytes_read: s.bytes_read,
        bytes_added: s.bytes_added,
        duration_s: s.duration_s,
        kind: snapshot.kind,
        warnings: snapshot.warnings,
      }),
    );
    return;
  }
  io.out(`Snapshot ${snapshot.id.slice(0, 8)} of ${snapshot.site} saved.`);
  io.out(`  ${s.files} files (${s.files_new} new, ${s.files_changed} changed, ${s.files_unchanged} unchanged), ${formatBytes(s.bytes)}`);
  io.out(`  read ${formatBytes(s.bytes_read)}, stored ${formatBytes(s.bytes_added)} new, in ${formatDuration(s.duration_s)}`);
  for (const w of snapshot.warnings) io.out(`  warning: ${w.path}: ${w.message}`);
}
