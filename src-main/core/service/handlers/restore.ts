import { isAbsolute } from 'node:path';
import { ApiError } from '../../contract/errors';
import type { ParsedInput } from '../../contract/operations';
import { restoreToFolder } from '../../engine/restore';
import { resolveSnapshot } from '../../engine/snapshots';
import { RestoreJournals } from '../../site-restore/restore-journal';
import { restoreToSite, RestoreIncompleteError, type SiteRestoreOptions, type SiteRestoreResult } from '../../site-restore/restore-to-site';
import { openSite } from '../../sites/open-site';
import { jobRequest } from '../../jobs/job-runner';
import type { HandlersOf, ServiceContext } from '../context';

/** The job's result: the whole restore result, with its warnings where the screen reads them. */
function reportOf(r: SiteRestoreResult): Record<string, unknown> {
  return { ...r, warnings: r.preview.warnings };
}

function previewOf(r: SiteRestoreResult) {
  const p = r.preview;
  return { snapshot: r.snapshot, site: r.site, migration: r.migration, method: r.method, ...p };
}

type RestoreInput = ParsedInput<'restore:run'>;

/** Restores to a site (preview, then a resumable job) and into a folder. */
export function restoreHandlers(ctx: ServiceContext): HandlersOf<'restore'> {
  const journals = new RestoreJournals(ctx.dataDir);

  /** Restores (or previews) the snapshot to the site; connecting to the site overlaps opening the repository (its key derivation). */
  const restore = async (input: RestoreInput, options: SiteRestoreOptions): Promise<SiteRestoreResult> => {
    const site = ctx.sites.get(input.site);
    const secrets = await ctx.sites.secretsOf(site.name);
    const connection = openSite(site, secrets, { signal: options.signal });
    connection.catch(() => {});
    try {
      return await ctx.destinations.withRepository(input.destination, async (repo) => {
        // "latest" is this site's latest backup: never a safety snapshot, nor another site's.
        const snapshot = await resolveSnapshot(repo, input.snapshot, site.name, 'safety');
        return restoreToSite(repo, snapshot, site, secrets, {
          scope: input.scope,
          paths: input.paths,
          mirror: input.mirror,
          newUrl: input.newUrl ?? undefined,
          oldUrl: input.oldUrl ?? undefined,
          safetySnapshot: input.safetySnapshot,
          connection,
          ...options,
        });
      });
    } finally {
      // restoreToSite closes it as well when it got that far; closing twice is harmless.
      await connection.then(
        (c) => c.close(),
        () => {},
      );
    }
  };

  const startRestore = (input: RestoreInput, resumedFrom: string | null): string => {
    const request = jobRequest('restore:run', input);
    return ctx.jobs.start({ kind: 'restore', title: `Restore ${input.site}`, site: input.site, priority: 'now', request, resumedFrom }, async ({ signal, onProgress, setResult, notice }) => {
      try {
        const result = await restore(input, { journals, signal, onProgress, onNotice: notice });
        setResult(reportOf(result));
        if (!result.complete) throw new ApiError('INTERNAL', `${result.failed.length} entries could not be written; the others were.`);
      } catch (error) {
        if (error instanceof RestoreIncompleteError) setResult(reportOf(error.result));
        throw error;
      }
    });
  };
  ctx.jobs.registerResumer('restore:run', (input, from) => startRestore(input, from));

  const startRestoreToFolder = (input: { destination: string; snapshot: string; paths: string[]; folder: string }, resumedFrom: string | null): string =>
    ctx.jobs.start({ kind: 'restore', title: `Restore into ${input.folder}`, priority: 'now', request: jobRequest('restore:toFolder', input), resumedFrom }, async ({ signal, onProgress, setResult }) => {
      await ctx.destinations.withRepository(input.destination, async (repo) => {
        const snapshot = await resolveSnapshot(repo, input.snapshot);
        const result = await restoreToFolder(repo, snapshot, input.folder, { paths: input.paths, signal, onProgress });
        setResult({ snapshot: snapshot.id, folder: input.folder, ...result });
        if (result.failed.length > 0) throw new ApiError('INTERNAL', `${result.failed.length} files could not be restored (damaged data); the others were.`);
      });
    });
  ctx.jobs.registerResumer('restore:toFolder', (input, from) => startRestoreToFolder({ ...input, folder: input.folder ?? '' }, from));

  return {
    async 'restore:preview'(input) {
      return previewOf(await restore(input, { dryRun: true }));
    },

    async 'restore:run'(input) {
      ctx.sites.get(input.site);
      return { jobId: startRestore(input, null) };
    },

    async 'restore:toFolder'({ destination, snapshot, paths, folder }) {
      if (!ctx.destinations.knows(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      const target = ctx.chooseFolder ? await ctx.chooseFolder() : folder;
      if (!target) {
        if (ctx.chooseFolder) return { jobId: null, folder: null };
        throw new ApiError('BAD_REQUEST', 'Give the folder to restore into.');
      }
      if (!isAbsolute(target)) throw new ApiError('BAD_REQUEST', `Give the folder as a full path (${target} is relative).`);
      return { jobId: startRestoreToFolder({ destination, snapshot, paths, folder: target }, null), folder: target };
    },
  };
}
