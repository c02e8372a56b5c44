import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { ApiError } from '../contract/errors';
import type { ServiceHandlers, SiteInfo } from '../contract/operations';
import { parseLocation } from '../backends/location';
import { effectiveSchedule, nextRun, type Schedule } from '../automation/schedule';
import { Catalog } from '../automation/catalog';
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
import { backupSite } from '../sites/site-backup';
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

function describeSchedule(schedule: Schedule | null): string | null {
  if (!schedule) return null;
  const parts = [schedule.files.enabled ? `files daily at ${schedule.files.time}` : null, schedule.database.enabled ? `database every ${schedule.database.everyHours} hours` : null].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : null;
}

async function secretsOf(store: SiteStore, name: string) {
  return { password: await store.secret(name, 'password'), keyPassphrase: await store.secret(name, 'keyPassphrase'), dbPassword: await store.secret(name, 'dbPassword') };
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
      const site = store.get(name);
      const destination = siteDestination(site);
      const jobId = ctx.jobs.start('backup', `Back up ${site.name}`, async ({ signal, onProgress, setResult }) => {
        const opening = openDestinationRepository(ctx, destination);
        opening.catch(() => {});
        try {
          const started = new Date().toISOString();
          const { id, snapshot } = await backupSite(opening, site, await secretsOf(store, site.name), { scope, signal, onProgress });
          setResult({ snapshot: id, files: snapshot.stats.files, bytes: snapshot.stats.bytes, warnings: snapshot.warnings.length });
          // A backup made now counts for the schedule: the next scheduled one comes at the next slot.
          const catalog = await Catalog.open(ctx.dataDir);
          catalog.record({ site: site.name, kind: scope, started, finished: new Date().toISOString(), status: 'succeeded', snapshot: id, error: null, removed: 0 });
          await catalog.save();
        } finally {
          const repo = await opening.catch(() => null);
          await repo?.backend.close();
        }
      });
      return { jobId };
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
      const { site, secrets } = await restoreInputs(input);
      const jobId = ctx.jobs.start('restore', `Restore ${site.name}`, async ({ signal, onProgress, setResult }) => {
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
      return { jobId };
    },

    async 'restore:toFolder'({ destination, snapshot, paths, folder }) {
      if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      const target = ctx.chooseFolder ? await ctx.chooseFolder() : folder;
      if (!target) {
        if (ctx.chooseFolder) return { jobId: null, folder: null };
        throw new ApiError('BAD_REQUEST', 'Give the folder to restore into.');
      }
      if (!isAbsolute(target)) throw new ApiError('BAD_REQUEST', `Give the folder as a full path (${target} is relative).`);
      const jobId = ctx.jobs.start('restore', `Restore into ${target}`, async ({ signal, onProgress, setResult }) => {
        await withRepository(ctx, destination, async (repo) => {
          const result = await restoreToFolder(repo, await resolveSnapshot(repo, snapshot), target, { paths, signal, onProgress });
          setResult({ folder: target, files: result.files, bytes: result.bytes, failed: result.failed });
          if (result.failed.length > 0) throw new ApiError('INTERNAL', `${result.failed.length} files could not be restored (damaged data); the others were.`);
        });
      });
      return { jobId, folder: target };
    },

    async 'download:start'({ destination, snapshot, paths, databaseOnly, format }) {
      if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      const base = databaseOnly ? 'database' : paths.length === 1 ? paths[0]!.split('/').pop()! : `snapshot-${snapshot.slice(0, 8)}`;
      const fileName = `${base}.${format}`;
      const options: DownloadOptions = { paths, databaseOnly };
      if (ctx.chooseSavePath) {
        const out = await ctx.chooseSavePath(fileName);
        if (!out) return { url: null, jobId: null, fileName };
        const jobId = ctx.jobs.start('download', `Download ${fileName}`, async ({ signal, onProgress, setResult }) => {
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
