import { createHash } from 'node:crypto';
import { ApiError } from '../contract/errors';
import { DATABASE_DUMP_PATH } from '../engine/backup';
import { ContentStream } from '../engine/content-stream';
import { lockRepository } from '../engine/locks';
import { ProgressTracker, type ProgressListener } from '../engine/progress';
import type { Repository } from '../engine/repository';
import type { SnapshotWithId } from '../engine/snapshots';
import { restorableNode } from '../engine/modes';
import type { FileNode, TreeNode } from '../engine/tree';
import { collectSelection, findNode, type SelectedNode, type Selection } from '../engine/tree-walk';
import { replaceSerializedSafe, toBinary, urlReplacements } from '../migration/php-serialized';
import { rewriteSqlStream, SqlLiteralRewriter } from '../migration/sql-literals';
import { dbHostValue, rewriteWpConfig } from '../migration/wp-config-rewrite';
import type { Site } from '../settings/settings-store';
import { inspectDump } from '../sites/database-import';
import { openSite, type SiteConnection, type SiteSecrets } from '../sites/open-site';
import { backupSite } from '../sites/site-backup';
import { planRestore, uploadBytes, type PlannedWrite, type RestorePlan } from './restore-plan';
import { rootLoginWarning } from './root-login';
import type { RestoreJournal, RestoreJournals } from './restore-journal';

export type RestoreScope = 'both' | 'files' | 'database';

export interface SiteRestoreOptions {
  scope?: RestoreScope;
  /** Snapshot paths to restore (files only); everything when empty. */
  paths?: string[];
  /** Delete files on the site that the snapshot does not have (within the scope). */
  mirror?: boolean;
  /** Only compute and return the preview. */
  dryRun?: boolean;
  /** WordPress: replace the site URL everywhere in the database (serialized data kept valid). */
  newUrl?: string;
  /** The URL to replace; read from the dump's `siteurl` when not given. */
  oldUrl?: string;
  /** Take a safety snapshot of the site before writing (default true). */
  safetySnapshot?: boolean;
  journals?: RestoreJournals;
  /** A connection to the site already being opened (to overlap it with opening the repository). */
  connection?: Promise<SiteConnection>;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Lines for the user as the restore goes ("Resuming …", "Safety snapshot …"). */
  onNotice?: (message: string) => void;
}

export interface RestorePreview {
  upload: Array<{ path: string; reason: string; size: number }>;
  /** Deleted when mirroring; otherwise left in place (listed so the user knows). */
  extra: string[];
  deleteExtra: boolean;
  metadata: string[];
  replace: string[];
  unchanged: number;
  bytes: number;
  database: { name: string; replaceTables: string[]; otherTables: string[] | null } | null;
  url: { from: string; to: string } | null;
  wpConfig: 'kept from the snapshot' | 'rewritten for this site' | null;
  /** What the user should know before the restore writes anything (a root login). */
  warnings: string[];
}

export interface SiteRestoreResult {
  snapshot: string;
  site: string;
  dryRun: boolean;
  resumed: boolean;
  migration: boolean;
  method: string;
  safetySnapshot: string | null;
  preview: RestorePreview;
  written: { files: number; dirs: number; symlinks: number; bytes: number; deleted: number; metadata: number };
  database: { imported: boolean; valuesRewritten: number } | null;
  failed: Array<{ path: string; message: string }>;
  /** Planned paths that were not written (after a failure); empty when complete. */
  notWritten: string[];
  complete: boolean;
  error: string | null;
}

/** A restore that stopped part way; `result` says what was and was not written. */
export class RestoreIncompleteError extends ApiError {
  constructor(
    message: string,
    readonly result: SiteRestoreResult,
    code: ConstructorParameters<typeof ApiError>[0] = 'CONNECTION_FAILED',
  ) {
    super(code, message);
  }
}

/** One file's content from the repository, read ahead. */
function readFileBlobs(repo: Repository, node: FileNode): AsyncGenerator<Buffer> {
  return new ContentStream(repo, [node]).file(node);
}

async function localHash(repo: Repository, node: FileNode): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of readFileBlobs(repo, node)) hash.update(piece);
  return hash.digest('hex');
}

async function readWhole(repo: Repository, node: FileNode): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of readFileBlobs(repo, node)) pieces.push(piece);
  return Buffer.concat(pieces);
}

interface Prepared {
  plan: RestorePlan;
  writes: PlannedWrite[];
  preview: RestorePreview;
}

/**
 * Restores a snapshot to a live site: the whole site, its files, its database, or some
 * paths. Only what differs is transferred. Before anything is written a safety snapshot of
 * the site is taken (so the restore can be undone); the files go first, then the database,
 * then (for a copy to another site) its wp-config.php, rewritten once at the end.
 */
export async function restoreToSite(repo: Repository, snapshot: SnapshotWithId, site: Site, secrets: SiteSecrets, options: SiteRestoreOptions = {}): Promise<SiteRestoreResult> {
  const paths = options.paths ?? [];
  const migration = snapshot.site !== site.name;
  const dumpNode = await findNode(repo, snapshot.tree, DATABASE_DUMP_PATH)
    .then((f) => (f.node?.type === 'file' ? f.node : null))
    .catch(() => null);
  const requested: RestoreScope = paths.length > 0 ? 'files' : (options.scope ?? 'both');
  if (requested === 'database' && !dumpNode) throw new ApiError('BAD_REQUEST', `Snapshot ${snapshot.id.slice(0, 8)} holds no database dump.`);
  const wantFiles = requested !== 'database';
  const wantDatabase = requested !== 'files' && dumpNode !== null;
  const scope: RestoreScope = wantFiles && wantDatabase ? 'both' : wantFiles ? 'files' : 'database';
  const progress = new ProgressTracker(options.onProgress);
  const notice = options.onNotice ?? (() => {});

  let journal: RestoreJournal | null = null;
  let resumed = false;
  if (!options.dryRun && options.journals) {
    const open = await options.journals.unfinished(site.name);
    const same =
      open &&
      open.snapshot === snapshot.id &&
      open.scope === scope &&
      open.mirror === Boolean(options.mirror) &&
      JSON.stringify(open.paths) === JSON.stringify(paths) &&
      open.newUrl === (options.newUrl ?? null);
    if (same) {
      journal = open;
      resumed = true;
      notice(`Resuming the interrupted restore of ${snapshot.id.slice(0, 8)} to ${site.name} (started ${open.startedAt}).`);
    } else {
      if (open)
        notice(`An earlier restore to ${site.name} (snapshot ${open.snapshot.slice(0, 8)}) did not finish; its safety snapshot ${open.safetySnapshot?.slice(0, 8) ?? '(none)'} is kept in the repository.`);
      journal = options.journals.start({ site: site.name, snapshot: snapshot.id, scope, paths, mirror: Boolean(options.mirror), newUrl: options.newUrl ?? null });
    }
  }

  const lock = options.dryRun ? null : await lockRepository(repo, 'restore', false);
  try {
    const connection = await (options.connection ?? openSite(site, secrets));
    try {
      return await run(repo, snapshot, site, secrets, connection, options, { paths, migration, dumpNode, wantFiles, wantDatabase, resumed, journal, progress });
    } finally {
      await connection.close();
    }
  } finally {
    await lock?.release();
  }
}

interface RunContext {
  paths: string[];
  migration: boolean;
  dumpNode: FileNode | null;
  wantFiles: boolean;
  wantDatabase: boolean;
  resumed: boolean;
  journal: RestoreJournal | null;
  progress: ProgressTracker;
}

async function run(repo: Repository, snapshot: SnapshotWithId, site: Site, secrets: SiteSecrets, connection: SiteConnection, options: SiteRestoreOptions, context: RunContext): Promise<SiteRestoreResult> {
  // Storage calls stop retrying once the job is cancelled; the lock was taken by the caller.
  repo = repo.withSignal(options.signal);
  const { paths, migration, dumpNode, wantFiles, wantDatabase, journal, progress } = context;
  if (wantDatabase && !connection.importDatabase) {
    throw new ApiError(
      'BAD_REQUEST',
      connection.database
        ? `${site.name}'s database can only be restored over SSH with a shell; this site allows ${connection.location.kind === 'sftp' ? 'SFTP only' : 'FTP only'}. Restore the files alone and import ${DATABASE_DUMP_PATH} by hand.`
        : `The snapshot holds a database dump, but ${site.name} has no database configured and no WordPress wp-config.php was found.`,
      { hint: connection.database ? 'files-alone' : 'give-site-database' },
    );
  }

  // A copy to another WordPress site keeps the target's database settings.
  const configNode = migration
    ? await findNode(repo, snapshot.tree, 'wp-config.php')
        .then((f) => (f.node?.type === 'file' ? restorableNode(f.node) : null))
        .catch(() => null)
    : null;
  const rewriteConfig = configNode !== null && wantFiles && (paths.length === 0 || paths.some((p) => p.replace(/^\/+/, '') === 'wp-config.php'));
  if (rewriteConfig && (!connection.database || connection.databasePassword === null)) {
    throw new ApiError('BAD_REQUEST', `${site.name} has no database settings to put in the copied wp-config.php; restore onto a site that already has a wp-config.php, or give this one its database.`, {
      hint: 'give-site-database',
    });
  }

  // The URL change, and what the dump will replace.
  let url: { from: string; to: string } | null = null;
  let dumpTables: string[] = [];
  if (wantDatabase && dumpNode) {
    const inspected = await inspectDump(readFileBlobs(repo, dumpNode));
    dumpTables = inspected.tables;
    if (options.newUrl) {
      const from = options.oldUrl ?? inspected.siteUrl;
      if (!from) throw new ApiError('BAD_REQUEST', 'The dump has no WordPress siteurl option to replace: the old address must be given.', { hint: 'give-old-url' });
      url = { from: from.replace(/\/+$/, ''), to: options.newUrl.replace(/\/+$/, '') };
    }
  } else if (options.newUrl) {
    throw new ApiError('BAD_REQUEST', 'A new address is written into the database, and this restore does not include the database.');
  }

  // Read the snapshot's trees before anything is written: a tampered or damaged tree stops here.
  const selection = wantFiles ? await collectSelection(repo, snapshot.tree, paths) : null;
  if (selection && selection.failed.length > 0) {
    const first = selection.failed[0]!;
    throw new ApiError('INTERNAL', `The snapshot is damaged at ${first.path} (${first.message}); restoring it whole would delete or miss files. Run check, or restore other paths.`);
  }

  // The safety snapshot comes before the comparison, so the comparison sees the site as it is now.
  let safetyId = journal?.safetySnapshot ?? null;
  if (!options.dryRun && options.safetySnapshot !== false && !safetyId) {
    progress.phase = 'safety snapshot';
    progress.report(true);
    const safety = await backupSite(repo, site, secrets, {
      scope: wantFiles && wantDatabase ? 'both' : wantFiles ? 'files' : 'database',
      tags: ['safety', `before-restore-of:${snapshot.id.slice(0, 8)}`],
      signal: options.signal,
      onProgress: options.onProgress,
    });
    (options.onNotice ?? (() => {}))(`Safety snapshot ${safety.id.slice(0, 8)} of ${site.name} taken; restoring it undoes this restore.`);
    safetyId = safety.id;
    if (journal) journal.safetySnapshot = safety.id;
  }
  if (journal) {
    journal.state = 'running';
    await options.journals!.save(journal);
  }

  progress.phase = 'comparing with the site';
  progress.report(true);
  const capabilities = await connection.writer.capabilities();
  const prepared = await prepare(repo, connection, selection, { paths, mirror: Boolean(options.mirror), skip: rewriteConfig ? 'wp-config.php' : null, metadataInPlace: capabilities.setsMetadataInPlace });
  const preview = prepared.preview;
  if (wantDatabase && connection.database) {
    // A database that does not answer leaves the list unknown; unsafe settings stop the preview.
    const live = connection.listTables
      ? await connection.listTables().catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 'UNSAFE_DATABASE_SETTINGS') throw error;
          return null;
        })
      : null;
    preview.database = { name: connection.database.name, replaceTables: dumpTables, otherTables: live ? live.filter((t) => !dumpTables.includes(t)) : null };
  }
  preview.url = url;
  preview.wpConfig = rewriteConfig ? 'rewritten for this site' : configNode || (!migration && wantFiles) ? 'kept from the snapshot' : null;
  const rootLogin = connection.location.kind === 'local' ? null : rootLoginWarning(site.name, connection.location.username, connection.loginUid);
  if (rootLogin) preview.warnings.push(rootLogin);
  if (wantFiles) preview.warnings.push(...capabilities.caveats);
  if (!options.dryRun) for (const warning of preview.warnings) (options.onNotice ?? (() => {}))(`Warning: ${warning}`);

  const result: SiteRestoreResult = {
    snapshot: snapshot.id,
    site: site.name,
    dryRun: Boolean(options.dryRun),
    resumed: context.resumed,
    migration,
    method: connection.writer.method,
    safetySnapshot: safetyId,
    preview,
    written: { files: 0, dirs: 0, symlinks: 0, bytes: 0, deleted: 0, metadata: 0 },
    database: wantDatabase ? { imported: false, valuesRewritten: 0 } : null,
    failed: [],
    notWritten: [],
    complete: false,
    error: null,
  };
  if (options.dryRun) {
    result.complete = true;
    return result;
  }

  const writtenPaths = new Set<string>();
  const fail = async (error: unknown): Promise<never> => {
    const message = (error as Error).message;
    result.error = message;
    result.notWritten = prepared.writes.filter((w) => !writtenPaths.has(w.path)).map((w) => w.path);
    if (rewriteConfig && !journal?.done.config) result.notWritten.push('wp-config.php');
    if (wantDatabase && !result.database!.imported) result.notWritten.push(`database ${connection.database?.name ?? ''}`.trim());
    if (journal) {
      journal.state = 'failed';
      journal.error = message;
      await options.journals!.save(journal).catch(() => {});
    }
    const code = error instanceof ApiError ? error.code : 'CONNECTION_FAILED';
    throw new RestoreIncompleteError(`The restore to ${site.name} stopped: ${message}`, result, code);
  };

  try {
    if (wantFiles && !journal?.done.files) {
      const { plan, writes } = prepared;
      const removals = [...plan.leftovers, ...plan.replace, ...(options.mirror ? plan.extra : [])];
      progress.phase = 'deleting';
      await connection.writer.remove(removals);
      result.written.deleted = plan.replace.length + (options.mirror ? plan.extra.length : 0);
      await connection.writer.makeDirs(plan.impliedDirs);
      const files = writes.filter((w): w is PlannedWrite & { node: FileNode } => w.node.type === 'file');
      progress.phase = 'uploading';
      progress.filesTotal = writes.length;
      progress.bytesTotal = uploadBytes({ ...plan, writes });
      const content = new ContentStream(
        repo,
        files.map((f) => f.node),
      );
      const byPath = new Map(writes.map((w) => [w.path, w]));
      await connection.writer.write(writes, content, {
        signal: options.signal,
        onWritten: (path, bytes) => {
          writtenPaths.add(path);
          const type = byPath.get(path)?.node.type;
          if (type === 'file') result.written.files++;
          else if (type === 'dir') result.written.dirs++;
          else if (type === 'symlink') result.written.symlinks++;
          result.written.bytes += bytes;
          progress.filesDone++;
          progress.bytesDone += bytes;
          progress.currentPath = path;
          progress.report();
        },
        onFailed: (path, message) => result.failed.push({ path, message }),
      });
      progress.phase = 'setting modes and times';
      await connection.writer.setMetadata(plan.metadata, { onFailed: (path, message) => result.failed.push({ path, message }) });
      result.written.metadata = plan.metadata.length;
      if (journal && result.failed.length === 0) {
        journal.done.files = true;
        await options.journals!.save(journal);
      }
    }

    if (wantDatabase && dumpNode && !journal?.done.database) {
      progress.phase = 'importing the database';
      progress.report(true);
      let sql: AsyncIterable<Buffer> = readFileBlobs(repo, dumpNode);
      let rewriter: SqlLiteralRewriter | null = null;
      if (url) {
        const replacements = urlReplacements(url.from, url.to);
        const host = new URL(url.from).host;
        rewriter = new SqlLiteralRewriter(Buffer.from(toBinary(host), 'latin1'), (value) => replaceSerializedSafe(value, replacements));
        sql = rewriteSqlStream(sql, rewriter);
      }
      await connection.importDatabase!(sql);
      result.database = { imported: true, valuesRewritten: rewriter?.changed ?? 0 };
      if (journal) {
        journal.done.database = true;
        await options.journals!.save(journal);
      }
    } else if (result.database && journal?.done.database) result.database.imported = true;

    if (rewriteConfig && configNode && !journal?.done.config) {
      progress.phase = 'writing wp-config.php';
      const db = connection.database!;
      const php = (await readWhole(repo, configNode)).toString('utf8');
      const rewritten = rewriteWpConfig(php, { name: db.name, user: db.user, password: connection.databasePassword ?? '', host: dbHostValue(db.host, db.port, db.socket) }, url ?? undefined);
      await connection.writer.putFile('wp-config.php', Buffer.from(rewritten, 'utf8'), configNode.mode, configNode.mtime);
      result.written.files++;
      if (journal) {
        journal.done.config = true;
        await options.journals!.save(journal);
      }
    }
  } catch (error) {
    return fail(error);
  }

  result.notWritten = result.failed.map((f) => f.path);
  result.complete = result.failed.length === 0;
  if (journal) {
    journal.state = result.complete ? 'done' : 'failed';
    journal.error = result.complete ? null : `${result.failed.length} entries could not be written`;
    await options.journals!.save(journal);
  }
  progress.phase = 'done';
  progress.report(true);
  return result;
}

/** Lists the site, compares, and settles the "in doubt" files by hash where the server can. */
async function prepare(
  repo: Repository,
  connection: SiteConnection,
  selection: Selection | null,
  options: { paths: string[]; mirror: boolean; skip: string | null; metadataInPlace: boolean },
): Promise<Prepared> {
  const empty: RestorePlan = { impliedDirs: [], replace: [], writes: [], doubts: [], metadata: [], extra: [], leftovers: [], unchanged: 0 };
  if (!selection) return { plan: empty, writes: [], preview: previewOf(empty, [], options.mirror) };
  const wanted: SelectedNode[] = selection.nodes.filter((n) => n.path !== options.skip);
  const { entries } = await connection.source.list();
  const remote = options.skip ? entries.filter((e) => e.path !== options.skip) : entries;
  const plan = planRestore(
    wanted,
    remote,
    options.paths.map((p) => p.replace(/^\/+|\/+$/g, '')),
  );

  const changed: PlannedWrite[] = [];
  if (plan.doubts.length > 0) {
    const remoteHashes = connection.writer.hashFiles ? await connection.writer.hashFiles(plan.doubts.map((d) => d.path)).catch(() => new Map<string, string>()) : new Map<string, string>();
    for (const doubt of plan.doubts) {
      const theirs = remoteHashes.get(doubt.path);
      if (theirs && theirs === (await localHash(repo, doubt.node))) plan.metadata.push(doubt);
      else changed.push({ path: doubt.path, node: doubt.node, reason: 'changed' });
    }
  }
  // A protocol that cannot set a mode or time without following a symlink uploads the file again.
  if (!options.metadataInPlace) {
    for (const item of plan.metadata) if (item.node.type === 'file') changed.push({ path: item.path, node: item.node, reason: 'mode or time' });
    plan.metadata = plan.metadata.filter((item) => item.node.type !== 'file');
  }
  // Files in doubt that differ go before the folder-time entries (which must come last).
  const firstFolderTimes = plan.writes.findIndex((w) => w.reason === 'folder times');
  const at = firstFolderTimes < 0 ? plan.writes.length : firstFolderTimes;
  const writes = [...plan.writes.slice(0, at), ...changed, ...plan.writes.slice(at)];
  return { plan, writes, preview: previewOf(plan, writes, options.mirror) };
}

function previewOf(plan: RestorePlan, writes: PlannedWrite[], mirror: boolean): RestorePreview {
  const sizeOf = (node: TreeNode) => (node.type === 'file' ? node.size : 0);
  const upload = writes.filter((w) => w.node.type !== 'dir').map((w) => ({ path: w.path, reason: w.reason, size: sizeOf(w.node) }));
  return {
    upload,
    extra: plan.extra.map((e) => e.path),
    deleteExtra: mirror,
    metadata: plan.metadata.map((m) => m.path),
    replace: plan.replace.map((r) => r.path),
    unchanged: plan.unchanged,
    bytes: upload.reduce((sum, u) => sum + u.size, 0),
    database: null,
    url: null,
    wpConfig: null,
    warnings: [],
  };
}
