import { readKeyFile } from '../backends/key-files';
import { posix } from 'node:path';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import type { Client as FtpClient } from 'basic-ftp';
import { Writable } from 'node:stream';
import { BackendError } from '../backends/backend';
import { ApiError } from '../contract/errors';
import type { ConnectionSecrets, ConnectionSettings } from '../backends/connection';
import { connectFtp } from '../backends/ftp-backend';
import { parseLocation, describeLocation, type Location } from '../backends/location';
import { call } from '../backends/sftp-io';
import { connectSsh } from '../backends/sftp-backend';
import type { Source } from '../engine/source';
import type { Site } from '../settings/settings-store';
import { databaseReachable, dumpOverSsh, type DatabaseTarget } from './database-dump';
import { compileRules, isExcluded, WORDPRESS_DEFAULT_EXCLUDES } from './exclude-rules';
import { FtpSource } from './ftp-source';
import { SftpSource } from './sftp-source';
import { runRemote } from './ssh-exec';
import { SshShellSource } from './ssh-shell-source';
import { ReconnectingSource, type SourceSession } from './reconnecting-source';
import { databaseSettingsSeen, parseWpConfig, type WpDatabaseSettings } from './wp-config';
import { importOverSsh, listTables } from './database-import';
import { unsafeDatabaseError, unsafeDatabaseField } from './database-values';
import type { SiteWriter } from '../site-restore/site-writer';
import { ShellSiteWriter } from '../site-restore/shell-writer';
import { SftpSiteWriter } from '../site-restore/sftp-writer';
import { FtpSiteWriter } from '../site-restore/ftp-writer';

export interface SiteSecrets {
  password?: string;
  keyPassphrase?: string;
  dbPassword?: string;
  /**
   * The database (host and name) recorded for the site when its settings were accepted. A
   * saved dbPassword is sent only to that one: whoever can edit wp-config.php must not be able
   * to point DB_HOST at their own server and collect it.
   */
  dbPasswordFor?: { host: string; name: string } | null;
}

export interface SiteConnection {
  location: Location;
  source: Source;
  /** Over SSH: whether commands can run (find, tar, mysqldump), or SFTP only. */
  shell: boolean;
  /** The login's numeric user id, where a shell told it (`id -u`); null when unknown. */
  loginUid: number | null;
  wordpress: WpDatabaseSettings | null | false;
  /** The database to dump, when configured or found; null when none. */
  database: DatabaseTarget | null;
  /** Exclusions in force: the user's and, for WordPress, the defaults (shown to the user). */
  excludes: Array<{ pattern: string; why: string }>;
  /** A stream of the database dump, when the site can give one (SSH with a shell). */
  dump: (() => AsyncIterable<Buffer>) | null;
  /** Whether the database answers (for `site test`), when it can be reached. */
  testDatabase: (() => Promise<{ ok: boolean; message: string }>) | null;
  /** Writes to the site (for restores), over the same connection. */
  writer: SiteWriter;
  /** Loads SQL into the site's database (SSH with a shell), when it has one. */
  importDatabase: ((sql: AsyncIterable<Buffer>) => Promise<void>) | null;
  /** Loads SQL into another database on the same server (a test restore's scratch database); returns its tables after. */
  importInto: ((name: string, sql: AsyncIterable<Buffer>) => Promise<string[]>) | null;
  /** The database's tables now (for the restore preview). */
  listTables: (() => Promise<string[]>) | null;
  /** The password the database is reached with (from the keychain or wp-config.php); for a migrated wp-config.php. */
  databasePassword: string | null;
  close(): Promise<void>;
}

/** An SSH connection and the source over it, as the reconnecting source holds them. */
interface SshSession extends SourceSession {
  client: SshClient;
}

function sshSession(client: SshClient, source: SshShellSource | SftpSource): SshSession {
  let closed = false;
  client.once('close', () => (closed = true));
  return { client, source, closed: () => closed };
}

function settingsOf(site: Site): ConnectionSettings {
  return { timeoutSeconds: site.timeoutSeconds, maxRetries: site.maxRetries, maxConnections: site.maxConnections, passive: site.passive };
}

/** Whether commands run, and (in the same round trip) the login's user id. */
async function probeShell(client: SshClient): Promise<{ shell: boolean; uid: number | null }> {
  const none: { shell: boolean; uid: number | null } = { shell: false, uid: null };
  const probe = runRemote(client, 'printf sitevault-shell-ok; id -u', undefined, 4096).then((r) => {
    const match = /^sitevault-shell-ok(?:(\d{1,10})\n?)?$/.exec(r.stdout.toString());
    return match ? { shell: true, uid: match[1] === undefined ? null : Number(match[1]) } : none;
  });
  const timeout = new Promise<typeof none>((resolve) => setTimeout(() => resolve(none), 10_000).unref());
  return Promise.race([probe, timeout]).catch(() => none);
}

/** The most of wp-config.php that is read to find the database settings: a real one is a few KiB. */
export const MAX_WP_CONFIG_BYTES = 1024 * 1024;

function wpConfigTooLarge(description: string): ApiError {
  return new ApiError(
    'TOO_LARGE',
    `wp-config.php on ${description} is larger than ${MAX_WP_CONFIG_BYTES / 1024 / 1024} MiB, where a real one holds a few KiB; SiteVault reads no more than that to find the database settings. Check the file on the server.`,
  );
}

/** A small file over SFTP (null when it cannot be read); more than `MAX_WP_CONFIG_BYTES` is refused. */
async function sftpReadSmall(sftp: SFTPWrapper, path: string, description: string): Promise<Buffer | null> {
  let handle: Buffer;
  try {
    handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.alloc(65536);
      const got = await call<number>((cb) => sftp.read(handle, buffer, 0, buffer.length, position, (e, n) => cb(e, n)));
      if (got === 0) break;
      chunks.push(buffer.subarray(0, got));
      position += got;
      if (position > MAX_WP_CONFIG_BYTES) throw wpConfigTooLarge(description);
    }
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    return null;
  } finally {
    await call<void>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => {});
  }
}

async function sftpIsDir(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return call<{ isDirectory(): boolean }>((cb) => sftp.stat(path, cb)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** A small file over FTP (null when it cannot be read); the transfer is cut past `MAX_WP_CONFIG_BYTES`. */
async function ftpReadSmall(client: FtpClient, path: string, description: string): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  let tooLarge = false;
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      length += chunk.length;
      if (length > MAX_WP_CONFIG_BYTES) {
        tooLarge = true;
        return done(wpConfigTooLarge(description));
      }
      chunks.push(chunk);
      done();
    },
  });
  try {
    await client.downloadTo(sink, path);
    return Buffer.concat(chunks);
  } catch {
    if (tooLarge) throw wpConfigTooLarge(description);
    return null;
  }
}

function databaseFor(site: Site, wordpress: WpDatabaseSettings | null | false): DatabaseTarget | null {
  const db = site.database;
  if (db.mode === 'none') return null;
  if (db.mode === 'manual') {
    if (!db.name || !db.user) throw new ApiError('BAD_REQUEST', `The database settings of ${site.name} need at least a name and a user.`);
    return { host: db.host ?? 'localhost', port: db.port, socket: db.socket, name: db.name, user: db.user };
  }
  if (!wordpress) return null;
  return { host: wordpress.host, port: wordpress.port, socket: wordpress.socket, name: wordpress.name, user: wordpress.user };
}

/**
 * A check each database operation runs first: a value that cannot be passed safely is refused
 * before any command (the same error from the dump, the import, the test and the preview).
 */
function databaseCheck(site: Site, database: DatabaseTarget | null, password: string, moved: ApiError | null): () => void {
  const unsafe = database ? unsafeDatabaseField(database, password) : null;
  const from = site.database.mode === 'manual' ? `the database settings of ${site.name}` : `wp-config.php of ${site.name}`;
  return () => {
    if (unsafe) throw unsafeDatabaseError(unsafe, from);
    if (moved) throw moved;
  };
}

/** The refusal to send a saved database password to another database than the one it was given for; null when it may go. */
function savedPasswordMoved(site: Site, secrets: SiteSecrets, wordpress: WpDatabaseSettings | null | false): ApiError | null {
  const bound = secrets.dbPasswordFor;
  if (site.database.mode !== 'auto' || secrets.dbPassword === undefined || !wordpress || !bound) return null;
  const now = databaseSettingsSeen(wordpress);
  if (now.host === bound.host && now.name === bound.name) return null;
  return new ApiError(
    'UNSAFE_DATABASE_SETTINGS',
    `wp-config.php of ${site.name} now names the database ${now.name} on ${now.host}; the database password saved for ${site.name} was given for ${bound.name} on ${bound.host}. ` +
      'SiteVault does not send it to another database until you accept the new database settings. If nobody on your side changed wp-config.php, the site may be compromised.',
    { hint: 'accept-database-settings' },
  );
}

/**
 * Connects to a site: checks the host key or certificate against the pin, finds out whether
 * a shell is available, detects WordPress (wp-config.php and wp-content) and reads its
 * database settings by parsing, and picks the fastest source the access allows. A connection
 * lost during a backup is made again with the site's retries (SSH and SFTP: ReconnectingSource;
 * FTP: per request). A job's signal stops the retries (a cancelled backup does not wait out a
 * backoff).
 */
export async function openSite(site: Site, secrets: SiteSecrets, options: { signal?: AbortSignal } = {}): Promise<SiteConnection> {
  const location = parseLocation(site.url);
  if (location.kind === 'local') throw new ApiError('BAD_REQUEST', 'A site is reached over sftp://, ftp:// or ftps://.');
  const connection: ConnectionSecrets = {
    password: secrets.password,
    keyPassphrase: secrets.keyPassphrase,
    identityFile: site.identityFile ?? undefined,
    hostKey: site.hostKey ?? undefined,
    caFile: site.caFile ?? undefined,
    tlsFingerprint: site.tlsFingerprint ?? undefined,
  };
  const root = location.path;
  // File transfer resolves relative paths against the login's home; only a shell knows "~".
  const transferRoot = root === '~' ? '.' : root.startsWith('~/') ? root.slice(2) : root;
  const description = describeLocation(location);
  let wordpress: WpDatabaseSettings | null | false = false;
  let userRules = compileRules(site.excludes);
  const buildExcludes = () => {
    const defaults = wordpress !== false && site.wordpressExcludes ? WORDPRESS_DEFAULT_EXCLUDES : [];
    userRules = compileRules([...defaults.map((d) => d.pattern), ...site.excludes]);
    return [...defaults, ...site.excludes.map((pattern) => ({ pattern, why: 'your exclusion' }))];
  };
  const exclude = (path: string, isDir: boolean) => isExcluded(userRules, path, isDir);

  if (location.kind === 'sftp') {
    const { client, fingerprint } = await connectSsh(location, connection, settingsOf(site));
    try {
      // Independent round trips, in flight together.
      const [{ shell, uid }, sftp] = await Promise.all([probeShell(client), call<SFTPWrapper>((cb) => client.sftp(cb))]);
      const [config, contentDir] = await Promise.all([sftpReadSmall(sftp, posix.join(transferRoot, 'wp-config.php'), description), sftpIsDir(sftp, posix.join(transferRoot, 'wp-content'))]);
      if (config && contentDir) wordpress = parseWpConfig(config.toString('utf8'));
      const excludes = buildExcludes();
      const database = databaseFor(site, wordpress);
      const dbPassword = secrets.dbPassword ?? (wordpress ? wordpress.password : undefined) ?? '';
      const checkDatabase = databaseCheck(site, database, dbPassword, savedPasswordMoved(site, secrets, wordpress));
      const first = sshSession(client, shell ? new SshShellSource(client, root, description, exclude) : new SftpSource(client, sftp, transferRoot, description, exclude));
      // A new connection takes the same path as the first, pinned to the host key the first one
      // confirmed: no password goes to a server that is not the same.
      const reconnect = async (): Promise<SshSession> => {
        const again = await connectSsh(location, { ...connection, hostKey: fingerprint, acceptNewHostKey: false }, settingsOf(site));
        try {
          return sshSession(again.client, shell ? new SshShellSource(again.client, root, description, exclude) : await SftpSource.open(again.client, transferRoot, description, exclude));
        } catch (error) {
          again.client.end();
          throw new BackendError('transient', 'CONNECTION_FAILED', `The new connection to ${description} could not start its file transfer: ${(error as Error).message}`);
        }
      };
      const source = new ReconnectingSource(first, reconnect, { maxRetries: site.maxRetries, signal: options.signal });
      const writer: SiteWriter = shell ? new ShellSiteWriter(client, root) : new SftpSiteWriter(sftp, transferRoot, site.maxConnections > 0 ? site.maxConnections : 8);
      const withDb = shell && database !== null;
      // A dump cut off with its connection is made again from its start over the new one.
      const dump = withDb ? source.restartable(`the database dump of ${database.name}`, (session) => dumpOverSsh(session.client, database, dbPassword)) : null;
      return {
        location,
        source,
        shell,
        loginUid: uid,
        wordpress,
        database,
        excludes,
        dump: dump ? () => (checkDatabase(), dump()) : null,
        testDatabase: withDb ? async () => (checkDatabase(), databaseReachable(client, database, dbPassword)) : null,
        writer,
        importDatabase: withDb ? async (sql) => (checkDatabase(), importOverSsh(client, database, dbPassword, sql)) : null,
        listTables: withDb ? async () => (checkDatabase(), listTables(client, database, dbPassword)) : null,
        importInto: withDb
          ? async (name, sql) => {
              checkDatabase();
              if (name === database.name) throw new ApiError('BAD_REQUEST', `The scratch database cannot be the site's own database (${name}): a test restore would overwrite the live data.`);
              const scratch = { ...database, name };
              await importOverSsh(client, scratch, dbPassword, sql);
              return listTables(client, scratch, dbPassword);
            }
          : null,
        databasePassword: database ? dbPassword : null,
        close: async () => {
          client.end();
          await source.close();
        },
      };
    } catch (error) {
      client.end();
      throw error;
    }
  }

  const ca = connection.caFile ? await readKeyFile(connection.caFile, 'CA file') : undefined;
  const target = { host: location.host, port: location.port, username: location.username, secure: location.kind === 'ftps' };
  const connect = () => connectFtp(target, connection, settingsOf(site), ca, description);
  const probe = await connect();
  try {
    const names = new Set((await probe.list(transferRoot)).map((info) => info.name));
    if (names.has('wp-config.php') && names.has('wp-content')) {
      const config = await ftpReadSmall(probe, posix.join(transferRoot, 'wp-config.php'), description);
      wordpress = config ? parseWpConfig(config.toString('utf8')) : null;
    }
  } finally {
    probe.close();
  }
  const excludes = buildExcludes();
  const poolSize = site.maxConnections > 0 ? site.maxConnections : 4;
  const source = new FtpSource(connect, transferRoot, description, poolSize, exclude, { maxRetries: site.maxRetries, signal: options.signal });
  const database = databaseFor(site, wordpress);
  return {
    location,
    source,
    shell: false,
    loginUid: null,
    wordpress,
    database,
    excludes,
    dump: null,
    testDatabase: null,
    writer: new FtpSiteWriter(source.pool, transferRoot, poolSize),
    importDatabase: null,
    importInto: null,
    listTables: null,
    databasePassword: database ? (secrets.dbPassword ?? (wordpress ? wordpress.password : null)) : null,
    close: () => source.close(),
  };
}
