import { randomBytes } from 'node:crypto';
import { basename, isAbsolute } from 'node:path';
import { ApiError } from '../../contract/errors';
import { downloadToFile, type DownloadFormat, type DownloadOptions } from '../../downloads/download';
import { downloadFileName } from '../../downloads/download-name';
import { resolveSnapshot } from '../../engine/snapshots';
import { findNode } from '../../engine/tree-walk';
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
      if (format === 'file' && (databaseOnly || paths.length !== 1)) throw new ApiError('BAD_REQUEST', 'Only a single file can be downloaded as it is; choose an archive for a folder or a selection.');
      const options: DownloadOptions = { paths, databaseOnly };
      // Only where there is no save dialog: on the desktop the screen cannot name a file to write.
      if (file !== null && !ctx.chooseSavePath) return { url: null, jobId: startDownload(destination, snapshot, file, format, options), fileName: basename(file) };
      // The name needs the snapshot's site and date; resolving it here also refuses an unknown snapshot before a dialog opens.
      const found = await ctx.destinations.withRepository(
        destination,
        async (repo) => {
          const resolved = await resolveSnapshot(repo, snapshot);
          // A link answers 200 before it streams: what cannot be sent as one file is refused now.
          if (format === 'file' && (await findNode(repo, resolved.tree, paths[0]!)).node?.type !== 'file') throw new ApiError('BAD_REQUEST', `${paths[0]} is not a file; download it as an archive.`);
          return resolved;
        },
        { loadIndex: format === 'file' },
      );
      const fileName = downloadFileName({ site: found.site, time: found.time, paths, databaseOnly, format });
      // On the desktop main asks where to save it.
      const out = ctx.chooseSavePath ? await ctx.chooseSavePath(fileName) : undefined;
      if (out === null) return { url: null, jobId: null, fileName };
      if (out !== undefined) return { url: null, jobId: startDownload(destination, found.id, out, format, options), fileName };
      const id = randomBytes(24).toString('base64url');
      for (const [key, pending] of downloads) if (pending.expires < Date.now()) downloads.delete(key);
      downloads.set(id, { destination, snapshot: found.id, format, options, fileName, expires: Date.now() + 5 * 60_000 });
      return { url: `/api/download/${id}`, jobId: null, fileName };
    },
  };
}
