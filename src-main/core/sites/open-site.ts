import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import type { Client as FtpClient } from 'basic-ftp';
import { Writable } from 'node:stream';
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
import { parseWpConfig, type WpDatabaseSettings } from './wp-config';
import { importOverSsh, listTables } from './database-import';
import type { SiteWriter } from '../site-restore/site-writer';
import { ShellSiteWriter } from '../site-restore/shell-writer';
import { SftpSiteWriter } from '../site-restore/sftp-writer';
import { FtpSiteWriter } from '../site-restore/ftp-writer';

export interface SiteSecrets {
  password?: string;
  keyPassphrase?: string;
  dbPassword?: string;
}

export interface SiteConnection {
  location: Location;
  source: Source;
  /** Over SSH: whether commands can run (find, tar, mysqldump), or SFTP only. */
  shell: boolean;
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

function settingsOf(site: Site): ConnectionSettings {
  return { timeoutSeconds: site.timeoutSeconds, maxRetries: site.maxRetries, maxConnections: site.maxConnections, passive: site.passive };
}

async function hasShell(client: SshClient): Promise<boolean> {
  const probe = runRemote(client, 'printf sitevault-shell-ok').then((r) => r.stdout.toString() === 'sitevault-shell-ok');
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
  return Promise.race([probe, timeout]).catch(() => false);
}

async function sftpReadSmall(sftp: SFTPWrapper, path: string): Promise<Buffer | null> {
  try {
    const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.alloc(65536);
      const got = await call<number>((cb) => sftp.read(handle, buffer, 0, buffer.length, position, (e, n) => cb(e, n)));
      if (got === 0) break;
      chunks.push(buffer.subarray(0, got));
      position += got;
      if (position > 1024 * 1024) break;
    }
    await call<void>((cb) => sftp.close(handle, (e) => cb(e, undefined)));
    return Buffer.concat(chunks);
  } catch {
    return null;
  }
}

async function sftpIsDir(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return call<{ isDirectory(): boolean }>((cb) => sftp.stat(path, cb)).then((s) => s.isDirectory(), () => false);
}

async function ftpReadSmall(client: FtpClient, path: string): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  try {
    await client.downloadTo(new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk), done()) }), path);
    return Buffer.concat(chunks);
  } catch {
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
 * Connects to a site: checks the host key or certificate against the pin, finds out whether
 * a shell is available, detects WordPress (wp-config.php and wp-content) and reads its
 * database settings by parsing, and picks the fastest source the access allows.
 */
export async function openSite(site: Site, secrets: SiteSecrets): Promise<SiteConnection> {
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
    const { client } = await connectSsh(location, connection, settingsOf(site));
    try {
      // Independent round trips, in flight together.
      const [shell, sftp] = await Promise.all([hasShell(client), call<SFTPWrapper>((cb) => client.sftp(cb))]);
      const [config, contentDir] = await Promise.all([sftpReadSmall(sftp, posix.join(transferRoot, 'wp-config.php')), sftpIsDir(sftp, posix.join(transferRoot, 'wp-content'))]);
      if (config && contentDir) wordpress = parseWpConfig(config.toString('utf8'));
      const excludes = buildExcludes();
      const database = databaseFor(site, wordpress);
      const dbPassword = secrets.dbPassword ?? (wordpress ? wordpress.password : undefined) ?? '';
      const source: Source = shell ? new SshShellSource(client, root, description, exclude) : new SftpSource(client, sftp, transferRoot, description, exclude);
      const writer: SiteWriter = shell ? new ShellSiteWriter(client, root) : new SftpSiteWriter(sftp, transferRoot, site.maxConnections > 0 ? site.maxConnections : 8);
      const withDb = shell && database !== null;
      return {
        location,
        source,
        shell,
        wordpress,
        database,
        excludes,
        dump: withDb ? () => dumpOverSsh(client, database, dbPassword) : null,
        testDatabase: withDb ? () => databaseReachable(client, database, dbPassword) : null,
        writer,
        importDatabase: withDb ? (sql) => importOverSsh(client, database, dbPassword, sql) : null,
        listTables: withDb ? () => listTables(client, database, dbPassword) : null,
        importInto: withDb
          ? async (name, sql) => {
              if (name === database.name) throw new ApiError('BAD_REQUEST', `The scratch database cannot be the site's own database (${name}): a test restore would overwrite the live data.`);
              const scratch = { ...database, name };
              await importOverSsh(client, scratch, dbPassword, sql);
              return listTables(client, scratch, dbPassword);
            }
          : null,
        databasePassword: database ? dbPassword : null,
        close: async () => {
          client.end();
        },
      };
    } catch (error) {
      client.end();
      throw error;
    }
  }

  const ca = connection.caFile ? await readFile(connection.caFile) : undefined;
  const target = { host: location.host, port: location.port, username: location.username, secure: location.kind === 'ftps' };
  const connect = () => connectFtp(target, connection, settingsOf(site), ca, description);
  const probe = await connect();
  try {
    const names = new Set((await probe.list(transferRoot)).map((info) => info.name));
    if (names.has('wp-config.php') && names.has('wp-content')) {
      const config = await ftpReadSmall(probe, posix.join(transferRoot, 'wp-config.php'));
      wordpress = config ? parseWpConfig(config.toString('utf8')) : null;
    }
  } finally {
    probe.close();
  }
  const excludes = buildExcludes();
  const poolSize = site.maxConnections > 0 ? site.maxConnections : 4;
  const source = new FtpSource(connect, transferRoot, description, poolSize, exclude, { maxRetries: site.maxRetries });
  const database = databaseFor(site, wordpress);
  return {
    location,
    source,
    shell: false,
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
