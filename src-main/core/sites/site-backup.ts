import { ApiError } from '../contract/errors';
import { backup, DATABASE_DUMP_PATH, type BackupResult } from '../engine/backup';
import type { ProgressListener } from '../engine/progress';
import type { Repository } from '../engine/repository';
import { listSnapshots } from '../engine/snapshots';
import type { Site } from '../settings/settings-store';
import { openSite, type SiteSecrets } from './open-site';

export type SiteBackupScope = 'both' | 'files' | 'database';

export interface SiteBackupOptions {
  scope?: SiteBackupScope;
  tags?: string[];
  time?: Date;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/**
 * Backs up a saved site: its files (only what changed since its last snapshot) and its
 * database dump, as one snapshot. A database that was asked for but cannot be dumped fails
 * the backup; it is never silently skipped.
 */
export async function backupSite(openRepository: Repository | Promise<Repository>, site: Site, secrets: SiteSecrets, options: SiteBackupOptions = {}): Promise<BackupResult> {
  const scope = options.scope ?? 'both';
  // Opening the repository (the passphrase's key derivation) and connecting to the site overlap.
  const [repoResult, connectionResult] = await Promise.allSettled([Promise.resolve(openRepository), openSite(site, secrets)]);
  if (connectionResult.status === 'rejected') throw connectionResult.reason;
  const connection = connectionResult.value;
  if (repoResult.status === 'rejected') {
    await connection.close();
    throw repoResult.reason;
  }
  const repo = repoResult.value;
  try {
    const wantDatabase = scope !== 'files' && site.database.mode !== 'none';
    if (scope === 'database' && !connection.database) {
      throw new ApiError('BAD_REQUEST', `${site.name} has no database to back up: none is configured and no WordPress wp-config.php was found.`);
    }
    if (wantDatabase && connection.database && !connection.dump) {
      throw new ApiError(
        'BAD_REQUEST',
        `${site.name}'s database needs SSH with a shell to be dumped, and this site allows ${connection.shell ? 'no dump' : connection.location.kind === 'sftp' ? 'SFTP only' : 'FTP only'}. ` +
          'Give SSH access, or back up the files alone (--files-only, or set the database to none).',
      );
    }
    const withDatabase = wantDatabase && connection.database !== null && connection.dump !== null;
    let forceRead = false;
    if (site.rereadEvery > 0 && scope !== 'database') {
      const withFiles = (await listSnapshots(repo)).filter((s) => s.site === site.name && s.kind !== 'database');
      forceRead = withFiles.length % site.rereadEvery === 0;
    }
    return await backup(repo, connection.source, {
      site: site.name,
      tags: options.tags,
      time: options.time,
      kind: scope === 'database' ? 'database' : withDatabase ? 'both' : 'files',
      skipFiles: scope === 'database',
      forceRead,
      extraFiles: withDatabase ? [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: connection.dump! }] : [],
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } finally {
    await connection.close();
  }
}
