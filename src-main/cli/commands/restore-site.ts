import type { Output } from '../../core/contract/operations';
import { openCore } from '../../core/open-core';
import type { SiteRestoreResult } from '../../core/site-restore/restore-to-site';
import { formatBytes } from '../format';
import { failedJob, followJob } from '../job-wait';
import type { CliOutput } from '../output';
import { serviceRepository, type RemoteFlags } from '../repo-access';
import { callService } from '../service-call';
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
      warnings: p.warnings,
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
  for (const warning of p.warnings) io.out(`  warning: ${warning}`);
  io.out(`  upload ${files.length} files and links (${formatBytes(p.bytes)}); ${p.unchanged} entries already match`);
  listSome(
    io,
    files.map((u) => `${u.reason === 'new' ? '+' : 'M'} ${u.path} (${u.reason})`),
  );
  if (p.replace.length > 0) {
    io.out(`  replace ${p.replace.length} entries of another type:`);
    listSome(io, p.replace);
  }
  if (p.extra.length > 0) {
    io.out(p.deleteExtra ? `  delete ${p.extra.length} entries the snapshot does not have:` : `  ${p.extra.length} entries on the site are not in the snapshot (kept; --delete removes them):`);
    listSome(
      io,
      p.extra.map((e) => `- ${e}`),
    );
  }
  if (p.metadata.length > 0) io.out(`  set mode or time only: ${p.metadata.length}`);
  if (p.database) {
    io.out(`  database ${p.database.name}: replace ${p.database.replaceTables.length} tables from the dump`);
    if (p.database.otherTables && p.database.otherTables.length > 0) io.out(`    tables not in the dump, left as they are: ${p.database.otherTables.join(', ')}`);
  }
  if (p.url) io.out(`  URL: ${p.url.from} → ${p.url.to} (serialized values fixed)`);
  if (p.wpConfig === 'rewritten for this site') io.out("  wp-config.php: the snapshot's, with this site's database settings, written last");
}

/** A preview (a dry run) in the shape of a result: nothing written, nothing to undo. */
function previewResult(p: Output<'restore:preview'>): SiteRestoreResult {
  const { snapshot, site, migration, method, ...preview } = p;
  return {
    snapshot,
    site,
    dryRun: true,
    resumed: false,
    migration,
    method,
    safetySnapshot: null,
    preview: { ...preview, wpConfig: preview.wpConfig as SiteRestoreResult['preview']['wpConfig'] },
    written: { files: 0, dirs: 0, symlinks: 0, bytes: 0, deleted: 0, metadata: 0 },
    database: preview.database ? { imported: false, valuesRewritten: 0 } : null,
    failed: [],
    notWritten: [],
    complete: true,
    error: null,
  };
}

/** What a restore that stopped part way wrote and did not write, and how to go on. */
function printStopped(io: CliOutput, json: boolean, message: string, r: SiteRestoreResult): void {
  if (json) io.out(JSON.stringify(resultJson(r)));
  io.err(`sitevault restore: ${message}`);
  io.err(`Written before it stopped: ${r.written.files} files, ${r.written.dirs} folders, ${r.written.symlinks} symlinks (${formatBytes(r.written.bytes)}), ${r.written.deleted} deleted.`);
  if (r.notWritten.length > 0) {
    io.err(`NOT written (${r.notWritten.length}):`);
    for (const path of r.notWritten.slice(0, 50)) io.err(`  ${path}`);
    if (r.notWritten.length > 50) io.err(`  … and ${r.notWritten.length - 50} more`);
  }
  io.err('Run the same restore again to resume it' + (r.safetySnapshot ? `, or restore the safety snapshot ${r.safetySnapshot.slice(0, 8)} (with --delete) to undo it.` : '.'));
}

/** `restore SNAPSHOT --to-site NAME`: the service's restore preview (--dry-run) or restore job, as the app runs them. */
export async function restoreToSiteCommand(snapshotArg: string, values: RestoreToSiteFlags, io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  if (values['files-only'] && values['db-only']) throw new UsageError('--files-only and --db-only exclude each other.');
  if (values['db-only'] && values.path.length > 0) throw new UsageError('--path selects files; it cannot go with --db-only.');
  const core = await openCore({ shell: 'cli', env });
  const scope = values['files-only'] ? 'files' : values['db-only'] ? 'database' : 'both';
  const request = {
    site: values['to-site'],
    destination: await serviceRepository(core, values.repo, env, values),
    snapshot: snapshotArg,
    scope,
    paths: values.path,
    mirror: values.delete,
    newUrl: values['new-url'] ?? null,
    oldUrl: values['old-url'] ?? null,
    safetySnapshot: !values['no-safety-snapshot'],
  } as const;
  const flags = { newUrl: '--new-url', oldUrl: '--old-url' };
  if (values['dry-run']) {
    const result = previewResult(await callService(core, 'restore:preview', request, flags));
    if (values.json) io.out(JSON.stringify(resultJson(result)));
    else {
      printPreview(io, result);
      io.out('Nothing was written (--dry-run).');
    }
    return EXIT_OK;
  }
  const { jobId } = await callService(core, 'restore:run', request, flags);
  let result: SiteRestoreResult;
  try {
    result = (await followJob(core, jobId, { onNotice: (line) => (values.json ? io.err(line) : io.out(line)) })).result as unknown as SiteRestoreResult;
  } catch (error) {
    const job = failedJob(error);
    const partial = job?.result as SiteRestoreResult | null | undefined;
    if (!job || !partial) throw error;
    // Stopped part way: what was and was not written, and how to resume.
    if (partial.error !== null) {
      printStopped(io, values.json, job.error?.message ?? partial.error, partial);
      return EXIT_ERROR;
    }
    // Finished, with some entries the site refused: reported below.
    result = partial;
  }
  if (values.json) io.out(JSON.stringify(resultJson(result)));
  else {
    printPreview(io, result);
    const w = result.written;
    io.out(`Done: ${w.files} files, ${w.dirs} folders, ${w.symlinks} symlinks written (${formatBytes(w.bytes)}), ${w.deleted} deleted, ${w.metadata} metadata fixes.`);
    if (result.database?.imported) io.out(`Database imported${result.database.valuesRewritten > 0 ? ` (${result.database.valuesRewritten} values with the new URL)` : ''}.`);
    if (result.safetySnapshot)
      io.out(
        `Undo: sitevault restore --repo ${values.repo ?? 'REPO'} ${result.safetySnapshot.slice(0, 8)} --to-site ${JSON.stringify(result.site)} --delete${scope === 'files' ? ' --files-only' : scope === 'database' ? ' --db-only' : ''}`,
      );
  }
  for (const f of result.failed) io.err(`NOT written: ${f.path}: ${f.message}`);
  return result.complete ? EXIT_OK : EXIT_ERROR;
}
