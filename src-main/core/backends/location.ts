import { resolve } from 'node:path';
import { ApiError } from '../contract/errors';

export type RemoteProtocol = 'sftp' | 'ftp' | 'ftps';

export type Location =
  | { kind: 'local'; path: string }
  | { kind: RemoteProtocol; host: string; port: number; username: string; path: string };

const DEFAULT_PORTS: Record<RemoteProtocol, number> = { sftp: 22, ftp: 21, ftps: 21 };

/**
 * `sftp://user@host:port/abs/path`, `ftp://…`, `ftps://…` (explicit TLS), or a local path.
 * The path is absolute on the server (inside the chroot for chrooted accounts), or starts
 * with `/~/` for a folder relative to the login's home (kept as `~/…`). A password
 * in the URL is refused: secrets come from the environment or the keychain.
 */
export function parseLocation(spec: string): Location {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  if (!match) return { kind: 'local', path: resolve(spec) };
  const protocol = match[1]!.toLowerCase();
  if (protocol !== 'sftp' && protocol !== 'ftp' && protocol !== 'ftps') {
    throw new ApiError('BAD_REQUEST', `Unsupported location ${protocol}:// (use sftp://, ftp://, ftps:// or a local path).`);
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ApiError('BAD_REQUEST', `Not a valid location URL: ${spec.replace(/:[^@/]*@/, ':***@')}`);
  }
  if (url.password) {
    throw new ApiError('BAD_REQUEST', 'Do not put a password in the URL: it would be visible in the process list. Use the environment variable or the keychain.');
  }
  if (!url.username) throw new ApiError('BAD_REQUEST', `The location needs a user name: ${protocol}://user@host/path`);
  // `/~/backups` means `backups` in the login's home folder (JetBackup's "backup directory").
  const raw = decodeURIComponent(url.pathname) || '/';
  const path = raw === '/~' || raw.startsWith('/~/') ? raw.slice(1) : raw;
  return {
    kind: protocol,
    host: url.hostname,
    port: url.port ? Number(url.port) : DEFAULT_PORTS[protocol],
    username: decodeURIComponent(url.username),
    path,
  };
}

export function describeLocation(location: Location): string {
  if (location.kind === 'local') return location.path;
  return `${location.kind}://${location.username}@${location.host}:${location.port}${location.path.startsWith('~') ? '/' : ''}${location.path}`;
}
