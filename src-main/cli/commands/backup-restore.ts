import { parseArgs } from 'node:util';
import { backup } from '../../core/engine/backup';
import { LocalSource } from '../../core/engine/local-source';
import { restoreToFolder } from '../../core/engine/restore';
import { resolveSnapshot } from '../../core/engine/snapshots';
import { parseLocation } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import { siteSchema, type Site } from '../../core/settings/settings-store';
import type { SiteSecrets } from '../../core/sites/open-site';
import { backupSite } from '../../core/sites/site-backup';
import { SiteStore } from '../../core/sites/site-store';
import { formatBytes, formatDuration } from '../format';
import { pinOnFirstUse } from '../trust-and-secrets';
import { parseDatabaseOption, siteSecrets } from './site';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { openRepo, REMOTE_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';
import { restoreToSiteCommand } from './restore-site';

const REPO = { repo: { type: 'string' }, ...REMOTE_OPTIONS } as const;

export async function backupCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...REPO,
      source: { type: 'string' },
      site: { type: 'string' },
      time: { type: 'string' },
      tag: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      'files-only': { type: 'boolean', default: false },
      'db-only': { type: 'boolean', default: false },
      db: { type: 'string' },
      'source-identity': { type: 'string' },
      'source-host-key': { type: 'string' },
      'accept-new-source-host-key': { type: 'boolean', default: false },
      'source-ca': { type: 'string' },
      'source-tls-fingerprint': { type: 'string' },
    },
    strict: true,
  });
  if (values['files-only'] && values['db-only']) throw new UsageError('--files-only and --db-only exclude each other.');
  const remoteSource = values.source !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(values.source);
  const core = values.source === undefined || remoteSource ? await openCore({ shell: 'cli', env }) : null;
  const store = core ? new SiteStore(core.settings, core.secrets) : null;
  let site: Site | null = null;
  let secrets: SiteSecrets = {};
  if (remoteSource) {
    // An unsaved site: its secrets come from the environment, its trust from the flags.
    site = siteSchema.parse({
      name: values.site ?? values.source!.replace(/^([a-z]+:\/\/[^@/]*@)?/i, '').replace(/[/:]+/g, '_').slice(0, 60),
      url: values.source,
      identityFile: values['source-identity'] ?? null,
      hostKey: values['source-host-key'] ?? null,
      caFile: values['source-ca'] ?? null,
      tlsFingerprint: values['source-tls-fingerprint'] ?? null,
      database: parseDatabaseOption(values.db ?? 'auto'),
    });
    if (values['accept-new-source-host-key']) {
      const pinned = await pinOnFirstUse(
        parseLocation(site.url),
        { hostKey: site.hostKey, tlsFingerprint: site.tlsFingerprint, ca: site.caFile ?? undefined },
        { password: env['SITEVAULT_SOURCE_PASSWORD'] || undefined, identityFile: site.identityFile ?? undefined },
        site.timeoutSeconds,
        { out: (text) => io.err(text), err: (text) => io.err(text) },
      );
      site = { ...site, ...pinned };
    }
    secrets = { password: env['SITEVAULT_SOURCE_PASSWORD'] || undefined, keyPassphrase: env['SITEVAULT_SOURCE_KEY_PASSPHRASE'] || undefined, dbPassword: env['SITEVAULT_DB_PASSWORD'] || undefined };
  } else if (values.source === undefined) {
    if (!values.site) throw new UsageError('Give --site NAME (a saved site) or --source (a folder or a site URL).');
    site = store!.get(values.site);
    if (values.db) site = { ...site, database: parseDatabaseOption(values.db) };
    secrets = await siteSecrets(store!, site.name);
  } else if (values['db-only']) {
    throw new UsageError('--db-only needs a site (--site NAME or a site URL as --source).');
  }
  const time = values.time ? new Date(values.time) : undefined;
  if (time && Number.isNaN(time.getTime())) throw new UsageError(`--time is not an ISO 8601 time: ${values.time}`);
  const opening = openRepo(values.repo, env, values);
  opening.catch(() => {});
  const bar = terminalProgress();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const common = { tags: values.tag, time, signal: controller.signal, onProgress: bar.listener };
    const { id, snapshot } = site
      ? await backupSite(opening, site, secrets, { ...common, scope: values['files-only'] ? 'files' : values['db-only'] ? 'database' : 'both' })
      : await (async () => {
          const source = new LocalSource(values.source!);
          return backup(await opening, source, { ...common, site: values.site ?? source.description });
        })();
    bar.done();
    const s = snapshot.stats;
    if (values.json) {
      io.out(
        JSON.stringify({
          id,
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
    } else {
      io.out(`Snapshot ${id.slice(0, 8)} of ${snapshot.site} saved.`);
      io.out(`  ${s.files} files (${s.files_new} new, ${s.files_changed} changed, ${s.files_unchanged} unchanged), ${formatBytes(s.bytes)}`);
      io.out(`  read ${formatBytes(s.bytes_read)}, stored ${formatBytes(s.bytes_added)} new, in ${formatDuration(s.duration_s)}`);
      for (const w of snapshot.warnings) io.out(`  warning: ${w.path}: ${w.message}`);
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    const repo = await opening.catch(() => null);
    await repo?.backend.close();
  }
}

export async function restoreCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...REPO,
      target: { type: 'string' },
      'to-site': { type: 'string' },
      path: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      'files-only': { type: 'boolean', default: false },
      'db-only': { type: 'boolean', default: false },
      delete: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'new-url': { type: 'string' },
      'old-url': { type: 'string' },
      'no-safety-snapshot': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.target && values['to-site']) throw new UsageError('--target DIR and --to-site NAME exclude each other.');
  if (values['to-site']) return restoreToSiteCommand(requirePositional(positionals, 0, 'SNAPSHOT'), { ...values, 'to-site': values['to-site'] }, io, env);
  if (!values.target) throw new UsageError('--target DIR or --to-site NAME is required.');
  for (const flag of ['files-only', 'db-only', 'delete', 'dry-run', 'no-safety-snapshot'] as const) if (values[flag]) throw new UsageError(`--${flag} is for --to-site.`);
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  try {
    const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
    const result = await restoreToFolder(repo, snapshot, values.target, { paths: values.path, onProgress: bar.listener });
    bar.done();
    if (values.json) io.out(JSON.stringify({ snapshot: snapshot.id, target: values.target, ...result }));
    else {
      io.out(`Restored ${result.files} files, ${result.dirs} folders, ${result.symlinks} symlinks (${formatBytes(result.bytes)}) to ${values.target}.`);
      for (const f of result.failed) io.err(`NOT restored: ${f.path}: ${f.message}`);
    }
    return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}
