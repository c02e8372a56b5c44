import { posix } from 'node:path';
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { FileType, FTPError, type Client as FtpClient } from 'basic-ftp';
import type { ConnectionSecrets } from './connection';
import { DEFAULT_CONNECTION } from './connection';
import { connectFtp } from './ftp-backend';
import { describeLocation, parseLocation, type Location } from './location';
import { call } from './sftp-io';
import { connectSsh } from './sftp-backend';

export interface FolderListing {
  /** The folder listed, absolute where the server says so. */
  path: string;
  folders: string[];
  /** It holds wp-config.php: a WordPress site's folder. */
  wordpress: boolean;
}

/**
 * Lists the folders of one folder on a server, for the wizard's folder picker. The server
 * must present the host key or certificate the user already confirmed. An empty path is the
 * login's home.
 */
export async function listServerFolders(url: string, secrets: ConnectionSecrets, path: string, timeoutSeconds = 30): Promise<FolderListing> {
  const location = parseLocation(url);
  if (location.kind === 'local') throw new Error('Only servers are browsed.');
  if (location.kind === 'sftp') {
    const { client } = await connectSsh(location, secrets, { timeoutSeconds });
    try {
      const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
      const absolute = await call<string>((cb) => sftp.realpath(path || '.', cb));
      const entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(absolute, cb));
      return {
        path: absolute,
        folders: entries
          .filter((e) => e.attrs.isDirectory() && e.filename !== '.' && e.filename !== '..')
          .map((e) => e.filename)
          .sort(),
        wordpress: entries.some((e) => e.filename === 'wp-config.php'),
      };
    } finally {
      client.end();
    }
  }
  const client = await connectFolderFtp(location, secrets, timeoutSeconds);
  try {
    const absolute = path ? path : await client.pwd();
    const entries = await client.list(absolute);
    return {
      path: posix.normalize(absolute),
      folders: entries
        .filter((e) => e.type === FileType.Directory && e.name !== '.' && e.name !== '..')
        .map((e) => e.name)
        .sort(),
      wordpress: entries.some((e) => e.name === 'wp-config.php'),
    };
  } finally {
    client.close();
  }
}

export interface FolderInspection {
  /** The folder as the server names it (absolute where the server says so), or as given when it does not exist. */
  path: string;
  exists: boolean;
  /** It holds wp-config.php. */
  wpConfig: boolean;
}

/**
 * Whether a site's folder exists on the server, and whether it holds wp-config.php: the
 * wizard's check before saving. The server must present the confirmed key or certificate.
 * `path` is the site address's path (`~/…` relative to the login's home).
 */
export async function inspectServerFolder(url: string, secrets: ConnectionSecrets, timeoutSeconds = 30): Promise<FolderInspection> {
  const location = parseLocation(url);
  if (location.kind === 'local') throw new Error('Only servers are inspected.');
  const given = location.path;
  // File transfer resolves relative paths against the login's home; only a shell knows "~".
  const path = given === '~' ? '.' : given.startsWith('~/') ? given.slice(2) : given;
  if (location.kind === 'sftp') {
    const { client } = await connectSsh(location, secrets, { timeoutSeconds });
    try {
      const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
      const isDir = await call<{ isDirectory(): boolean }>((cb) => sftp.stat(path, cb)).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir) return { path: given, exists: false, wpConfig: false };
      const absolute = await call<string>((cb) => sftp.realpath(path, cb));
      const wpConfig = await call<{ isFile(): boolean }>((cb) => sftp.stat(posix.join(absolute, 'wp-config.php'), cb)).then(
        (s) => s.isFile(),
        () => false,
      );
      return { path: absolute, exists: true, wpConfig };
    } finally {
      client.end();
    }
  }
  const client = await connectFolderFtp(location, secrets, timeoutSeconds);
  try {
    try {
      await client.cd(path);
    } catch (error) {
      if (error instanceof FTPError && error.code === 550) return { path: given, exists: false, wpConfig: false };
      throw error;
    }
    const absolute = await client.pwd();
    return { path: posix.normalize(absolute), exists: true, wpConfig: await ftpHasFile(client, 'wp-config.php') };
  } finally {
    client.close();
  }
}

/** The FTP(S) connection both the folder picker and Verify make. */
function connectFolderFtp(location: Extract<Location, { host: string }>, secrets: ConnectionSecrets, timeoutSeconds: number): Promise<FtpClient> {
  return connectFtp(
    { host: location.host, port: location.port, username: location.username, secure: location.kind === 'ftps' },
    secrets,
    { ...DEFAULT_CONNECTION, timeoutSeconds },
    undefined,
    describeLocation(location),
  );
}

/**
 * Whether the current folder holds the file: SIZE answers for that one name, where a listing
 * would read a folder the client's server can make as long as it likes. Only a server without
 * SIZE (500, 502) is asked for the listing.
 */
async function ftpHasFile(client: FtpClient, name: string): Promise<boolean> {
  try {
    await client.size(name);
    return true;
  } catch (error) {
    if (!(error instanceof FTPError) || (error.code !== 500 && error.code !== 502)) return false;
  }
  const entries = await client.list();
  return entries.some((e) => e.name === name && e.type !== FileType.Directory);
}
