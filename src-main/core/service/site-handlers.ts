import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { ApiError } from '../contract/errors';
import type { ServiceHandlers, SiteInfo } from '../contract/operations';
import { parseLocation } from '../backends/location';
import { effectiveSchedule, nextRun, type Schedule } from '../automation/schedule';
import { Catalog } from '../automation/catalog';
import { runSiteBackup, type BackupRunEnv, type BackupRunReport } from '../automation/site-backup-run';
import { probeServerIdentity } from '../backends/trust-probe';
import { listServerFolders } from '../backends/folder-browser';
import type { DownloadFormat, DownloadOptions } from '../downloads/download';
import { downloadToFile } from '../downloads/download';
import { Repository } from '../engine/repository';
import { restoreToFolder } from '../engine/restore';
import { resolveSnapshot, type SnapshotWithId } from '../engine/snapshots';
import { findNode } from '../engine/tree-walk';
import type { Site } from '../settings/settings-store';
import { RestoreJournals } from '../site-restore/restore-journal';
import { restoreToSite, RestoreIncompleteError, type SiteRestoreResult } from '../site-restore/restore-to-site';
import { openSite } from '../sites/open-site';
import { SiteStore } from '../sites/site-store';
import type { ServiceContext } from './create-service';

type SiteHandlerNames =
  | 'destination:save'
  | 'destination:remove'
  | 'destination:changePassphrase'
  | 'server:identify'
  | 'server:folders'
  | 'site:list'
  | 'site:save'
  | 'site:remove'
  | 'site:test'
  | 'backup:run'
  | 'snapshot:browse'
  | 'snapshot:preview'
  | 'restore:preview'
  | 'restore:run'
  | 'restore:toFolder'
  | 'download:start';

/** A download the headless server streams when the browser follows its one-time link. */
export interface PendingDownload {
  destination: string;
  snapshot: string;
  format: DownloadFormat;
  options: DownloadOptions;
  fileName: string;
  expires: number;
}

const PREVIEW_BYTES = 64 * 1024;

/** Opens a saved destination's repository with the passphrase from the keychain. */
export async function openDestinationRepository(ctx: Pick<ServiceContext, 'destinations'>, name: string, loadIndex = true): Promise<Repository> {
  const { backend, passphrase } = await ctx.destinations.open(name);
  if (!passphrase) {
    await backend.close();
    throw new ApiError('AUTH_FAILED', `No repository passphrase is stored for the destination ${name}.`);
  }
  try {
    return await Repository.open(backend, passphrase, { loadIndex });
  } catch (error) {
    await backend.close();
    throw error;
  }
}

async function withRepository<T>(ctx: ServiceContext, name: string, work: (repo: Repository) => Promise<T>, loadIndex = true): Promise<T> {
  const repo = await openDestinationRepository(ctx, name, loadIndex);
  try {
    return await work(repo);
  } finally {
    await repo.backend.close();
  }
}

async function siteInfo(store: SiteStore, site: Site, schedulerActive: boolean): Promise<SiteInfo> {
  return {
    name: site.name,
    url: site.url,
    environment: site.environment,
    destination: site.destination,
    copyTo: site.copyTo,
    copyWhen: site.copyTo ? (site.copyWhen === 'daily' ? `daily at ${site.copyAt}` : 'after each backup') : null,
    hostKey: site.hostKey,
    tlsFingerprint: site.tlsFingerprint,
    databaseMode: site.database.mode,
    schedule: describeSchedule(effectiveSchedule(site)),
    nextRun: schedulerActive ? (nextRun(effectiveSchedule(site), new Date())?.toISOString() ?? null) : null,
    hasPassword: await store.has(site.name, 'password'),
    hasKeyPassphrase: await store.has(site.name, 'keyPassphrase'),
    hasDatabasePassword: await store.has(site.name, 'dbPassword'),
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function describeFiles(files: Schedule['files']): string {
  if (files.frequency === 'cron') return `files on cron "${files.cron}"`;
  if (files.frequency === 'weekly') return `files weekly on ${WEEKDAYS[files.weekday]} at ${files.time}`;
  return `files daily at ${files.time}`;
}

function describeSchedule(schedule: Schedule | null): string | null {
  if (!schedule) return null;
  const parts = [schedule.files.enabled ? describeFiles(schedule.files) : null, schedule.database.enabled ? `database every ${schedule.database.everyHours} hours` : null].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : null;
}

function secretsOf(store: SiteStore, name: string) {
  return store.secretsOf(name);
}

/** What a backup run needs from the app: repositories, a site's secrets, the catalog, the verification settings. */
export function backupEnv(ctx: Pick<ServiceContext, 'destinations' | 'dataDir' | 'settings'>, store: SiteStore): BackupRunEnv {
  return {
    openRepository: (destination) => openDestinationRepository(ctx, destination),
    secretsOf: (name) => store.secretsOf(name),
    catalog: new Catalog(ctx.dataDir),
    verification: ctx.settings.data.preferences.verification,
  };
}

function siteDestination(site: Site): string {
  if (!site.destination) throw new ApiError('BAD_REQUEST', `${site.name} has no destination for its backups yet: choose one in its settings.`);
  return site.destination;
}

function reportOf(r: SiteRestoreResult): Record<string, unknown> {
  return { snapshot: r.snapshot, site: r.site, safetySnapshot: r.safetySnapshot, written: r.written, database: r.database, failed: r.failed, notWritten: r.notWritten, complete: r.complete, resumed: r.resumed, method: r.method };
}

function previewOf(r: SiteRestoreResult) {
  const p = r.preview;
  return { snapshot: r.snapshot, site: r.site, migration: r.migration, method: r.method, ...p };
}

/** Sites, destinations, backups, browsing, restores and downloads for the app's screens. */
export function siteHandlers(ctx: ServiceContext, downloads: Map<string, PendingDownload>): Pick<ServiceHandlers, SiteHandlerNames> {
  const store = new SiteStore(ctx.settings, ctx.secrets);
  const journals = new RestoreJournals(ctx.dataDir);

  const restoreInputs = async (input: { site: string; destination: string; snapshot: string }) => {
    const site = store.get(input.site);
    return { site, secrets: await secretsOf(store, site.name) };
  };

  const startBackup = (name: string, scope: 'both' | 'files' | 'database', resumedFrom: string | null): string => {
    const site = store.get(name);
    siteDestination(site);
    return ctx.jobs.start(
      { kind: 'backup', title: `Back up ${site.name}`, site: site.name, priority: 'now', request: { op: 'backup:run', input: { site: site.name, scope } }, resumedFrom },
      async ({ signal, onProgress, setResult }) => {
        try {
          const report = await runSiteBackup(backupEnv(ctx, store), site, { kind: scope, signal, onProgress });
          setResult({ ...report });
        } catch (error) {
          const report = (error as { report?: BackupRunReport }).report;
          if (report) setResult({ ...report });
          throw error;
        }
      },
    );
  };
  ctx.jobs.registerResumer('backup:run', (input, from) => startBackup(String(input['site']), input['scope'] as 'both' | 'files' | 'database', from));

  type RestoreInput = Parameters<ServiceHandlers['restore:run']>[0];
  const startRestore = (input: RestoreInput, resumedFrom: string | null): string => {
    const request = { op: 'restore:run', input: { ...input } as Record<string, unknown> };
    return ctx.jobs.start({ kind: 'restore', title: `Restore ${input.site}`, site: input.site, priority: 'now', request, resumedFrom }, async ({ signal, onProgress, setResult }) => {
      const { site, secrets } = await restoreInputs(input);
      await withRepository(ctx, input.destination, async (repo) => {
        const snapshot: SnapshotWithId = await resolveSnapshot(repo, input.snapshot);
        try {
          const result = await restoreToSite(repo, snapshot, site, secrets, { scope: input.scope, paths: input.paths, mirror: input.mirror, newUrl: input.newUrl ?? undefined, journals, signal, onProgress });
          setResult(reportOf(result));
          if (!result.complete) throw new ApiError('INTERNAL', `${result.failed.length} entries could not be written; the others were.`);
        } catch (error) {
          if (error instanceof RestoreIncompleteError) setResult(reportOf(error.result));
          throw error;
        }
      });
    });
  };
  ctx.jobs.registerResumer('restore:run', (input, from) => startRestore(input as RestoreInput, from));

  const startRestoreToFolder = (input: { destination: string; snapshot: string; paths: string[]; folder: string }, resumedFrom: string | null): string =>
    ctx.jobs.start({ kind: 'restore', title: `Restore into ${input.folder}`, priority: 'now', request: { op: 'restore:toFolder', input: { ...input } }, resumedFrom }, async ({ signal, onProgress, setResult }) => {
      await withRepository(ctx, input.destination, async (repo) => {
        const result = await restoreToFolder(repo, await resolveSnapshot(repo, input.snapshot), input.folder, { paths: input.paths, signal, onProgress });
        setResult({ folder: input.folder, files: result.files, bytes: result.bytes, failed: result.failed });
        if (result.failed.length > 0) throw new ApiError('INTERNAL', `${result.failed.length} files could not be restored (damaged data); the others were.`);
      });
    });
  ctx.jobs.registerResumer('restore:toFolder', (input, from) => startRestoreToFolder(input as { destination: string; snapshot: string; paths: string[]; folder: string }, from));

  return {
    async 'destination:save'({ name, url, password, passphrase, ...settings }) {
      const existing = ctx.destinations.find(name);
      await ctx.destinations.save({ ...existing, name, url, ...settings }, { password, passphrase });
      const opened = await ctx.destinations.open(name);
      let created = false;
      try {
        if (!(await Repository.exists(opened.backend))) {
          if (!opened.passphrase) throw new ApiError('BAD_REQUEST', 'A new repository needs a passphrase.');
          await Repository.init(opened.backend, opened.passphrase);
          created = true;
        } else if (opened.passphrase) {
          await Repository.open(opened.backend, opened.passphrase, { loadIndex: false });
        }
      } finally {
        await opened.backend.close();
      }
      const d = ctx.destinations.find(name)!;
      return {
        created,
        destination: {
          name: d.name, url: d.url, hostKey: d.hostKey, tlsFingerprint: d.tlsFingerprint, timeoutSeconds: d.timeoutSeconds, maxRetries: d.maxRetries,
          maxConnections: d.maxConnections, passive: d.passive, hasPassword: await ctx.destinations.has(name, 'password'), hasPassphrase: await ctx.destinations.has(name, 'passphrase'),
        },
      };
    },

    async 'destination:remove'({ name }) {
      await ctx.destinations.remove(name);
      return { removed: true };
    },

    async 'destination:changePassphrase'({ name, current, next }) {
      const { backend } = await ctx.destinations.open(name);
      try {
        const repo = await Repository.open(backend, current, { loadIndex: false }).catch((error: unknown) => {
          throw error instanceof ApiError && error.code === 'AUTH_FAILED' ? new ApiError('AUTH_FAILED', 'The current passphrase is not right; nothing was changed.') : error;
        });
        // New key first, then the keychain, then the old key: a failure on the way leaves a working passphrase.
        const keyId = await repo.addKey(next);
        await ctx.destinations.save(ctx.destinations.find(name)!, { passphrase: next });
        await backend.delete(`keys/${repo.keyId}`);
        return { keyId };
      } finally {
        await backend.close();
      }
    },

    async 'server:identify'({ url, password, identityFile, timeoutSeconds }) {
      const location = parseLocation(url);
      const fingerprint = await probeServerIdentity(location, { password, identityFile: identityFile ?? undefined }, timeoutSeconds);
      return { kind: location.kind === 'sftp' ? 'ssh-host-key' : location.kind === 'ftps' ? 'tls-certificate' : 'none', fingerprint };
    },

    async 'server:folders'({ url, password, identityFile, hostKey, tlsFingerprint, path, timeoutSeconds }) {
      return listServerFolders(url, { password, identityFile: identityFile ?? undefined, hostKey: hostKey ?? undefined, tlsFingerprint: tlsFingerprint ?? undefined }, path, timeoutSeconds);
    },

    async 'site:list'() {
      return { sites: await Promise.all(store.list().map((s) => siteInfo(store, s, ctx.schedulerActive ?? false))) };
    },

    async 'site:save'({ password, keyPassphrase, database, retention, ...fields }) {
      if (!ctx.destinations.find(fields.destination)) throw new ApiError('NOT_FOUND', `No destination named ${fields.destination}.`);
      if (fields.copyTo && !ctx.destinations.find(fields.copyTo)) throw new ApiError('NOT_FOUND', `No destination named ${fields.copyTo}.`);
      if (fields.copyTo === fields.destination) throw new ApiError('BAD_REQUEST', 'The second destination must be another one than the first: two copies in one place are one backup.');
      const existing = store.find(fields.name);
      const saved = await store.save(
        {
          ...existing,
          ...fields,
          retention: retention ?? existing?.retention ?? ctx.settings.data.preferences.defaultRetention,
          database: { mode: database, host: null, port: null, socket: null, name: null, user: null },
        },
        { password, keyPassphrase },
      );
      return { site: await siteInfo(store, saved, ctx.schedulerActive ?? false) };
    },

    async 'site:remove'({ name }) {
      await store.remove(name);
      return { removed: true };
    },

    async 'site:test'({ name }) {
      const site = store.get(name);
      const connection = await openSite(site, await secretsOf(store, name));
      try {
        const db = connection.database;
        const reach = db ? (connection.testDatabase ? await connection.testDatabase() : { ok: false, message: 'the database needs SSH with a shell (this site allows file transfer only)' }) : null;
        return {
          shell: connection.shell,
          wordpress: connection.wordpress !== false,
          tablePrefix: connection.wordpress ? connection.wordpress.tablePrefix : null,
          database: db && reach ? { name: db.name, user: db.user, host: db.host, reachable: reach.ok, message: reach.message } : null,
          excludes: connection.excludes,
        };
      } finally {
        await connection.close();
      }
    },

    async 'backup:run'({ site: name, scope }) {
      return { jobId: startBackup(name, scope, null) };
    },

    async 'snapshot:browse'({ destination, snapshot, path }) {
      return withRepository(ctx, destination, async (repo) => {
        const resolved = await resolveSnapshot(repo, snapshot);
        const found = await findNode(repo, resolved.tree, path);
        if (!found.tree) throw new ApiError('BAD_REQUEST', `${path} is not a folder.`);
        const tree = await repo.loadTree(found.tree, found.path);
        return {
          entries: tree.nodes.map((n) => ({
            name: n.name,
            path: found.path ? `${found.path}/${n.name}` : n.name,
            type: n.type,
            size: n.type === 'file' ? n.size : 0,
            mtime: n.mtime,
            mode: n.mode,
            target: n.type === 'symlink' ? n.target : null,
          })),
        };
      });
    },

    async 'snapshot:preview'({ destination, snapshot, path }) {
      return withRepository(ctx, destination, async (repo) => {
        const resolved = await resolveSnapshot(repo, snapshot);
        const found = await findNode(repo, resolved.tree, path);
        if (found.node?.type !== 'file') throw new ApiError('BAD_REQUEST', `${path} is not a file.`);
        const node = found.node;
        const first = node.content[0] ? await repo.readBlob(node.content[0]) : Buffer.alloc(0);
        const head = first.subarray(0, PREVIEW_BYTES);
        const binary = head.includes(0);
        return { text: binary ? null : head.toString('utf8'), size: node.size, truncated: node.size > head.length, binary };
      });
    },

    async 'restore:preview'(input) {
      const { site, secrets } = await restoreInputs(input);
      return withRepository(ctx, input.destination, async (repo) => {
        const snapshot = await resolveSnapshot(repo, input.snapshot);
        const result = await restoreToSite(repo, snapshot, site, secrets, { scope: input.scope, paths: input.paths, mirror: input.mirror, newUrl: input.newUrl ?? undefined, dryRun: true });
        return previewOf(result);
      });
    },

    async 'restore:run'(input) {
      store.get(input.site);
      return { jobId: startRestore(input, null) };
    },

    async 'restore:toFolder'({ destination, snapshot, paths, folder }) {
      if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      const target = ctx.chooseFolder ? await ctx.chooseFolder() : folder;
      if (!target) {
        if (ctx.chooseFolder) return { jobId: null, folder: null };
        throw new ApiError('BAD_REQUEST', 'Give the folder to restore into.');
      }
      if (!isAbsolute(target)) throw new ApiError('BAD_REQUEST', `Give the folder as a full path (${target} is relative).`);
      return { jobId: startRestoreToFolder({ destination, snapshot, paths, folder: target }, null), folder: target };
    },

    async 'download:start'({ destination, snapshot, paths, databaseOnly, format }) {
      if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      const base = databaseOnly ? 'database' : paths.length === 1 ? paths[0]!.split('/').pop()! : `snapshot-${snapshot.slice(0, 8)}`;
      const fileName = `${base}.${format}`;
      const options: DownloadOptions = { paths, databaseOnly };
      if (ctx.chooseSavePath) {
        const out = await ctx.chooseSavePath(fileName);
        if (!out) return { url: null, jobId: null, fileName };
        const jobId = ctx.jobs.start({ kind: 'download', title: `Download ${fileName}` }, async ({ signal, onProgress, setResult }) => {
          await withRepository(ctx, destination, async (repo) => {
            const result = await downloadToFile(repo, await resolveSnapshot(repo, snapshot), out, { ...options, format, signal, onProgress });
            setResult({ path: result.path, files: result.files, bytes: result.bytes });
          });
        });
        return { url: null, jobId, fileName };
      }
      const id = randomBytes(24).toString('base64url');
      for (const [key, pending] of downloads) if (pending.expires < Date.now()) downloads.delete(key);
      downloads.set(id, { destination, snapshot, format, options, fileName, expires: Date.now() + 5 * 60_000 });
      return { url: `/api/download/${id}`, jobId: null, fileName };
    },
  };
}
