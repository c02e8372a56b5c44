import { restoreToSite, RestoreIncompleteError, type RestoreScope, type SiteRestoreResult } from '../../core/site-restore/restore-to-site';
import { RestoreJournals } from '../../core/site-restore/restore-journal';
import { resolveSnapshot } from '../../core/engine/snapshots';
import { openCore } from '../../core/open-core';
import { SiteStore } from '../../core/sites/site-store';
import { openSite } from '../../core/sites/open-site';
import { formatBytes } from '../format';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { openRepo, type RemoteFlags } from '../repo-access';
import { siteSecrets } from './site';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

export interface RestoreToSiteFlags extends RemoteFlags {
  repo?: string;
  'to-site': string;
  'files-only': boolean;
  'db-only': boolean;
  path: string[];
  delete: boolean;
  'dry-run': boolean;
  json: boolean;
  'new-url'?: string;
  'old-url'?: string;
  'no-safety-snapshot': boolean;
}

/** The JSON form of a result: the contract of `restore --to-site --json`. */
export function resultJson(r: SiteRestoreResult): Record<string, unknown> {
  const p = r.preview;
  return {
    snapshot: r.snapshot,
    site: r.site,
    dry_run: r.dryRun,
    resumed: r.resumed,
    migration: r.migration,
    method: r.method,
    safety_snapshot: r.safetySnapshot,
    preview: {
      upload: p.upload,
      extra: p.extra,
      delete_extra: p.deleteExtra,
      metadata: p.metadata,
      replace: p.replace,
      unchanged: p.unchanged,
      bytes: p.bytes,
      database: p.database ? { name: p.database.name, replace_tables: p.database.replaceTables, other_tables: p.database.otherTables } : null,
      url: p.url,
      wp_config: p.wpConfig,
    },
    written: r.written,
    database: r.database ? { imported: r.database.imported, values_rewritten: r.database.valuesRewritten } : null,
    failed: r.failed,
    not_written: r.notWritten,
    complete: r.complete,
    error: r.error,
  };
}

function listSome(io: CliOutput, lines: string[], limit = 40): void {
  for (const line of lines.slice(0, limit)) io.out(`    ${line}`);
  if (lines.length > limit) io.out(`    … and ${lines.length - limit} more`);
}

function printPreview(io: CliOutput, r: SiteRestoreResult): void {
  const p = r.preview;
  const files = p.upload.filter((u) => u.reason !== 'folder');
  io.out(`${r.dryRun ? 'Preview of restoring' : 'Restoring'} snapshot ${r.snapshot.slice(0, 8)} to ${r.site} (${r.method}${r.migration ? ', a copy to another site' : ''}):`);
  io.out(`  upload ${files.length} files and links (${formatBytes(p.bytes)}); ${p.unchanged} entries already match`);
  listSome(io, files.map((u) => `${u.reason === 'new' ? '+' : 'M'} ${u.path} (${u.reason})`));
  if (p.replace.length > 0) {
    io.out(`  replace ${p.replace.length} entries of another type:`);
    listSome(io, p.replace);
  }
  if (p.extra.length > 0) {
    io.out(p.deleteExtra ? `  delete ${p.extra.length} entries the snapshot does not have:` : `  ${p.extra.length} entries on the site are not in the snapshot (kept; --delete removes them):`);
    listSome(io, p.extra.map((e) => `- ${e}`));
  }
  if (p.metadata.length > 0) io.out(`  set mode or time only: ${p.metadata.length}`);
  if (p.database) {
    io.out(`  database ${p.database.name}: replace ${p.database.replaceTables.length} tables from the dump`);
    if (p.database.otherTables && p.database.otherTables.length > 0) io.out(`    tables not in the dump, left as they are: ${p.database.otherTables.join(', ')}`);
  }
  if (p.url) io.out(`  URL: ${p.url.from} → ${p.url.to} (serialized values fixed)`);
  if (p.wpConfig === 'rewritten for this site') io.out("  wp-config.php: the snapshot's, with this site's database settings, written last");
}

export async function restoreToSiteCommand(snapshotArg: string, values: RestoreToSiteFlags, io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  if (values['files-only'] && values['db-only']) throw new UsageError('--files-only and --db-only exclude each other.');
  if (values['db-only'] && values.path.length > 0) throw new UsageError('--path selects files; it cannot go with --db-only.');
  if (values['new-url'] !== undefined && !/^https?:\/\/[^/]+/.test(values['new-url'])) throw new UsageError('--new-url takes an http:// or https:// URL.');
  const core = await openCore({ shell: 'cli', env });
  const store = new SiteStore(core.settings, core.secrets);
  const site = store.get(values['to-site']);
  const secrets = await siteSecrets(store, site.name);
  // Connecting to the site and the passphrase's key derivation overlap.
  const connecting = openSite(site, secrets);
  connecting.catch(() => {});
  let repo;
  try {
    repo = await openRepo(values.repo, env, values);
  } catch (error) {
    await connecting.then((c) => c.close(), () => {});
    throw error;
  }
  const bar = terminalProgress();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const scope: RestoreScope = values['files-only'] ? 'files' : values['db-only'] ? 'database' : 'both';
  try {
    // "latest" means this site's latest backup, not a safety snapshot and not another site's.
    const snapshot = await resolveSnapshot(repo, snapshotArg, site.name, 'safety');
    let result: SiteRestoreResult;
    try {
      result = await restoreToSite(repo, snapshot, site, secrets, {
        scope,
        paths: values.path,
        mirror: values.delete,
        dryRun: values['dry-run'],
        newUrl: values['new-url'],
        oldUrl: values['old-url'],
        safetySnapshot: !values['no-safety-snapshot'],
        journals: new RestoreJournals(core.dataDir),
        connection: connecting,
        signal: controller.signal,
        onProgress: bar.listener,
        onNotice: (line) => (values.json ? io.err(line) : io.out(line)),
      });
    } catch (error) {
      bar.done();
      if (!(error instanceof RestoreIncompleteError)) throw error;
      if (values.json) io.out(JSON.stringify(resultJson(error.result)));
      io.err(`sitevault restore: ${error.message}`);
      const r = error.result;
      io.err(`Written before it stopped: ${r.written.files} files, ${r.written.dirs} folders, ${r.written.symlinks} symlinks (${formatBytes(r.written.bytes)}), ${r.written.deleted} deleted.`);
      if (r.notWritten.length > 0) {
        io.err(`NOT written (${r.notWritten.length}):`);
        for (const path of r.notWritten.slice(0, 50)) io.err(`  ${path}`);
        if (r.notWritten.length > 50) io.err(`  … and ${r.notWritten.length - 50} more`);
      }
      io.err('Run the same restore again to resume it' + (r.safetySnapshot ? `, or restore the safety snapshot ${r.safetySnapshot.slice(0, 8)} (with --delete) to undo it.` : '.'));
      return EXIT_ERROR;
    }
    bar.done();
    if (values.json) {
      io.out(JSON.stringify(resultJson(result)));
    } else {
      printPreview(io, result);
      if (result.dryRun) io.out('Nothing was written (--dry-run).');
      else {
        const w = result.written;
        io.out(`Done: ${w.files} files, ${w.dirs} folders, ${w.symlinks} symlinks written (${formatBytes(w.bytes)}), ${w.deleted} deleted, ${w.metadata} metadata fixes.`);
        if (result.database?.imported) io.out(`Database imported${result.database.valuesRewritten > 0 ? ` (${result.database.valuesRewritten} values with the new URL)` : ''}.`);
        if (result.safetySnapshot) io.out(`Undo: sitevault restore --repo ${values.repo ?? 'REPO'} ${result.safetySnapshot.slice(0, 8)} --to-site ${JSON.stringify(site.name)} --delete${scope === 'files' ? ' --files-only' : scope === 'database' ? ' --db-only' : ''}`);
      }
    }
    for (const f of result.failed) io.err(`NOT written: ${f.path}: ${f.message}`);
    return result.complete ? EXIT_OK : EXIT_ERROR;
  } finally {
    process.off('SIGINT', onSignal);
    // Closed here too, whatever path was taken (closing twice is harmless).
    await connecting.then((c) => c.close(), () => {});
    await repo.backend.close();
  }
}
