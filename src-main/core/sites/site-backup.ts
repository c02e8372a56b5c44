import { ApiError } from '../contract/errors';
import { backup, DATABASE_DUMP_PATH, type BackupResult } from '../engine/backup';
import type { ProgressListener } from '../engine/progress';
import type { Warning } from '../engine/source';
import type { Repository } from '../engine/repository';
import { isSiteSnapshot, listSnapshots } from '../engine/snapshots';
import type { Site } from '../settings/settings-store';
import type { DatabaseSettingsSeen } from '../automation/catalog';
import { openSite, type SiteSecrets } from './open-site';
import { databaseSettingsSeen } from './wp-config';

export function databaseSettingsChangedMessage(before: DatabaseSettingsSeen, now: DatabaseSettingsSeen): string {
  return (
    `wp-config.php now names the database ${now.name} on ${now.host}; it named ${before.name} on ${before.host} when the site was set up. ` +
    'If nobody on your side changed it, the site may be compromised. Once you have checked it, accept the new database settings.'
  );
}

export type SiteBackupScope = 'both' | 'files' | 'database';

export interface SiteBackupOptions {
  scope?: SiteBackupScope;
  /** Given the database settings wp-config.php names now; returns the ones recorded at setup when they differ. */
  noteDatabaseSettings?: (found: DatabaseSettingsSeen) => Promise<DatabaseSettingsSeen | null>;
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
  const [repoResult, connectionResult] = await Promise.allSettled([Promise.resolve(openRepository), openSite(site, secrets, { signal: options.signal })]);
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
          'Give SSH access, or back up the files alone.',
        { hint: 'files-alone' },
      );
    }
    const withDatabase = wantDatabase && connection.database !== null && connection.dump !== null;
    const warnings: Warning[] = [];
    if (connection.wordpress && site.database.mode === 'auto' && options.noteDatabaseSettings) {
      const now = databaseSettingsSeen(connection.wordpress);
      const before = await options.noteDatabaseSettings(now);
      if (before) warnings.push({ path: 'wp-config.php', message: databaseSettingsChangedMessage(before, now) });
    }
    let forceRead = false;
    if (site.rereadEvery > 0 && scope !== 'database') {
      const withFiles = (await listSnapshots(repo)).filter((s) => isSiteSnapshot(s, site.name, repo.installation) && s.kind !== 'database');
      forceRead = withFiles.length % site.rereadEvery === 0;
    }
    return await backup(repo, connection.source, {
      site: site.name,
      tags: options.tags,
      time: options.time,
      kind: scope === 'database' ? 'database' : withDatabase ? 'both' : 'files',
      skipFiles: scope === 'database',
      forceRead,
      warnings,
      extraFiles: withDatabase ? [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: connection.dump! }] : [],
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } finally {
    await connection.close();
  }
}
