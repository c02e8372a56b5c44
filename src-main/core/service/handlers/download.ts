import { randomBytes } from 'node:crypto';
import { basename, isAbsolute } from 'node:path';
import { ApiError } from '../../contract/errors';
import { downloadToFile, type DownloadFormat, type DownloadOptions } from '../../downloads/download';
import { resolveSnapshot } from '../../engine/snapshots';
import type { HandlersOf, ServiceContext } from '../context';

/** A download the headless server streams when the browser follows its one-time link. */
export interface PendingDownload {
  destination: string;
  snapshot: string;
  format: DownloadFormat;
  options: DownloadOptions;
  fileName: string;
  expires: number;
}

/** Downloads: a job writing to a path main chose (desktop) or to the file given, or a one-time link (headless). */
export function downloadHandlers(ctx: ServiceContext): HandlersOf<'download'> {
  const downloads = ctx.pendingDownloads;

  const startDownload = (destination: string, snapshot: string, out: string, format: DownloadFormat, options: DownloadOptions): string =>
    ctx.jobs.start({ kind: 'download', title: `Download ${basename(out)}` }, async ({ signal, onProgress, setResult }) => {
      await ctx.destinations.withRepository(destination, async (repo) => {
        const found = await resolveSnapshot(repo, snapshot);
        const result = await downloadToFile(repo, found, out, { ...options, format, signal, onProgress });
        setResult({ snapshot: found.id, ...result });
      });
    });

  return {
    async 'download:start'({ destination, snapshot, paths, databaseOnly, format, file }) {
      if (!ctx.destinations.knows(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
      if (file !== null && !isAbsolute(file)) throw new ApiError('BAD_REQUEST', `Give the file as a full path (${file} is relative).`);
      const base = databaseOnly ? 'database' : paths.length === 1 ? paths[0]!.split('/').pop()! : `snapshot-${snapshot.slice(0, 8)}`;
      const fileName = file !== null ? basename(file) : `${base}.${format}`;
      const options: DownloadOptions = { paths, databaseOnly };
      // On the desktop main asks where to save it: the screen cannot name a file to write.
      const out = ctx.chooseSavePath ? await ctx.chooseSavePath(fileName) : (file ?? undefined);
      if (out === null) return { url: null, jobId: null, fileName };
      if (out !== undefined) return { url: null, jobId: startDownload(destination, snapshot, out, format, options), fileName };
      const id = randomBytes(24).toString('base64url');
      for (const [key, pending] of downloads) if (pending.expires < Date.now()) downloads.delete(key);
      downloads.set(id, { destination, snapshot, format, options, fileName, expires: Date.now() + 5 * 60_000 });
      return { url: `/api/download/${id}`, jobId: null, fileName };
    },
  };
}
