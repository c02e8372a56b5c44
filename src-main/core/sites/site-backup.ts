import { ApiError, toErrorPayload } from '../contract/errors';
import { DATABASE_MISSING_TAG } from '../automation/site-summary';
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

export interface SiteBackupResult extends BackupResult {
  /** Whether the site's folder holds a WordPress site (wp-config.php). */
  wordpress: boolean;
  /**
   * The files were saved, but the database could not be dumped (unreachable, refused): the
   * snapshot holds the files alone and is tagged `database-missing`. Callers report it as a failure.
   */
  databaseError: ApiError | null;
}

/** Why a database could not be dumped, in words, without the repeated "dump failed" prefix. */
function dumpFailureCause(error: unknown): string {
  return toErrorPayload(error).message.replace(/^The database dump of \S+ failed on the server: /, '');
}

/**
 * Backs up a saved site: its files (only what changed since its last snapshot) and its
 * database dump, as one snapshot. A database that cannot be dumped does not take the files
 * down: they are saved, the snapshot is marked `database-missing`, and `databaseError` says
 * why, for the caller to fail the run loudly. A database-only backup whose dump fails fails, and
 * so does any backup whose database settings look tampered with (UNSAFE_DATABASE_SETTINGS).
 */
export async function backupSite(openRepository: Repository | Promise<Repository>, site: Site, secrets: SiteSecrets, options: SiteBackupOptions = {}): Promise<SiteBackupResult> {
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
    const databaseName = connection.database?.name ?? 'the database';
    const result = await backup(repo, connection.source, {
      site: site.name,
      tags: options.tags,
      time: options.time,
      kind: scope === 'database' ? 'database' : withDatabase ? 'both' : 'files',
      skipFiles: scope === 'database',
      forceRead,
      warnings,
      extraFiles: withDatabase
        ? [
            {
              path: DATABASE_DUMP_PATH,
              mode: 0o600,
              content: connection.dump!,
              // With the files, a failed dump leaves a files-only snapshot marked as such; alone, it fails.
              optional:
                scope === 'both'
                  ? {
                      tag: DATABASE_MISSING_TAG,
                      // Database settings that look tampered with (a possible compromise) still stop the whole backup.
                      warning: (error) => (error instanceof ApiError && error.code === 'UNSAFE_DATABASE_SETTINGS' ? null : `database missing: ${databaseName} could not be dumped: ${dumpFailureCause(error)}`),
                    }
                  : undefined,
            },
          ]
        : [],
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const failed = result.missing[0];
    const databaseError = failed
      ? new ApiError('DATABASE_FAILED', `Files backed up (snapshot ${result.id.slice(0, 8)}), but the database ${databaseName} could not be dumped: ${dumpFailureCause(failed.error)}`, { cause: failed.error })
      : null;
    return { ...result, wordpress: connection.wordpress !== false, databaseError };
  } finally {
    await connection.close();
  }
}
