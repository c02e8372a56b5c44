import { inspectServerFolder } from '../backends/folder-browser';
import { parseLocation } from '../backends/location';
import { siteSchema, type Site } from '../settings/settings-store';
import { openSite, type SiteSecrets } from './open-site';

/** How the database would be backed up, as found before the site is saved. */
export type DatabaseCheck =
  /** Files only was chosen. */
  | { state: 'none' }
  /** WordPress was expected, and no wp-config.php (with wp-content) names a database. */
  | { state: 'not-found' }
  /** Found, but this login has no shell to run the dump (FTP, FTPS, an SFTP-only account). */
  | { state: 'no-shell'; name: string; user: string; host: string }
  /** Found and tried over SSH, the way its backups will dump it. */
  | { state: 'reachable' | 'unreachable'; name: string; user: string; host: string; message: string };

export interface SiteCheck {
  folder: { path: string; exists: boolean };
  /** The folder holds wp-config.php. */
  wpConfig: boolean;
  access: 'shell' | 'sftp-only' | 'ftp';
  database: DatabaseCheck;
}

export type CheckedSite = Pick<Site, 'url' | 'identityFile' | 'hostKey' | 'tlsFingerprint' | 'caFile' | 'timeoutSeconds' | 'maxRetries' | 'maxConnections' | 'passive' | 'database'>;

/**
 * The wizard's Verify: connects to a site that is not saved yet, as its backups will, and says
 * whether its folder exists, whether it holds wp-config.php, and whether its database can be
 * dumped over this access. Nothing is saved; the server must present the confirmed key or
 * certificate, as for any login.
 */
export async function checkSite(input: CheckedSite, secrets: SiteSecrets): Promise<SiteCheck> {
  const location = parseLocation(input.url);
  const folder = await inspectServerFolder(
    input.url,
    { password: secrets.password, keyPassphrase: secrets.keyPassphrase, identityFile: input.identityFile ?? undefined, hostKey: input.hostKey ?? undefined, tlsFingerprint: input.tlsFingerprint ?? undefined },
    input.timeoutSeconds,
  );
  const transfer = location.kind === 'sftp' ? 'sftp-only' : 'ftp';
  const wanted = input.database.mode === 'none' ? { state: 'none' as const } : { state: 'not-found' as const };
  if (!folder.exists) return { folder: { path: folder.path, exists: false }, wpConfig: false, access: transfer, database: wanted };

  // A retry would only make the user wait: the check tries once.
  const site: Site = siteSchema.parse({ name: 'check', ...input, maxRetries: 0 });
  const connection = await openSite(site, secrets);
  try {
    const access = connection.shell ? 'shell' : transfer;
    const result = { folder: { path: folder.path, exists: true }, wpConfig: folder.wpConfig, access } as const;
    const db = connection.database;
    if (input.database.mode === 'none') return { ...result, database: { state: 'none' } };
    if (!db) return { ...result, database: { state: 'not-found' } };
    const found = { name: db.name, user: db.user, host: db.host };
    if (!connection.testDatabase) return { ...result, database: { state: 'no-shell', ...found } };
    const reach = await connection.testDatabase();
    return { ...result, database: { state: reach.ok ? 'reachable' : 'unreachable', ...found, message: reach.message } };
  } finally {
    await connection.close();
  }
}
