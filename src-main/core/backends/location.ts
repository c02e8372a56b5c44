import { resolve } from 'node:path';
import { ApiError } from '../contract/errors';

export type RemoteProtocol = 'sftp' | 'ftp' | 'ftps';

export type Location = { kind: 'local'; path: string } | { kind: RemoteProtocol; host: string; port: number; username: string; path: string };

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

/**
 * How to reach an S3-compatible service. The URL names only the bucket and prefix; these
 * come from the destination's settings. The secret access key is not here (keychain).
 */
export interface S3Settings {
  /** `https://host[:port]` of the service; empty for AWS itself. */
  endpoint: string;
  region: string;
  /** `endpoint/bucket/key` (MinIO and most self-hosted servers) instead of `bucket.endpoint/key`. */
  pathStyle: boolean;
  accessKeyId: string;
  /** `STANDARD_IA`, `GLACIER_IR`, …; empty for the provider's default. */
  storageClass: string;
}

export const DEFAULT_S3_REGION = 'us-east-1';

export type S3Location = { kind: 's3'; bucket: string; prefix: string } & S3Settings;

/** Where a repository can live: a local folder, an SFTP or FTP(S) server, or an S3 bucket. */
export type StorageLocation = Location | S3Location;

// AWS's rules for new buckets, which every S3-compatible service accepts.
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/optional/prefix`: the bucket and the folder inside it (no leading or trailing slash). */
export function parseS3Url(spec: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(spec);
  if (!match) throw new ApiError('BAD_REQUEST', `Not an S3 location: use s3://bucket/prefix (the endpoint and region are settings of their own).`);
  const bucket = match[1]!;
  if (bucket.includes('@') || bucket.includes(':')) {
    throw new ApiError('BAD_REQUEST', 'Do not put credentials or a port in an s3:// location: it names only the bucket and prefix; keys come from the environment or the keychain, the endpoint is a setting.');
  }
  if (!BUCKET_NAME.test(bucket)) {
    throw new ApiError('BAD_REQUEST', `${JSON.stringify(bucket)} is not a valid bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.`);
  }
  let path: string;
  try {
    path = decodeURIComponent(match[2] ?? '');
  } catch {
    throw new ApiError('BAD_REQUEST', `Not a valid S3 location: ${spec}`);
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (segments.some((segment) => segment === '.' || segment === '..' || /[\u0000-\u001f\u007f\\]/.test(segment))) {
    throw new ApiError('BAD_REQUEST', 'The prefix of an s3:// location cannot contain ".", "..", backslashes or control characters.');
  }
  return { bucket, prefix: segments.join('/') };
}

/** Checks an S3 endpoint setting: empty (AWS), or an http(s) URL with nothing but a host and port. */
export function normalizeS3Endpoint(endpoint: string): string {
  const trimmed = endpoint.trim();
  if (trimmed === '') return '';
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ApiError('BAD_REQUEST', `The S3 endpoint ${JSON.stringify(trimmed.slice(0, 100))} is not a URL: use https://host[:port] (empty for AWS).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ApiError('BAD_REQUEST', `The S3 endpoint must start with https:// (or http:// on a trusted network), not ${url.protocol}//.`);
  if (url.username || url.password) throw new ApiError('BAD_REQUEST', 'Do not put credentials in the S3 endpoint: keys come from the environment or the keychain.');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw new ApiError('BAD_REQUEST', 'The S3 endpoint is a host and port only; put the bucket and folder in the s3:// location.');
  return `${url.protocol}//${url.host}`;
}

/** An `s3://` location with its settings, or any other location. */
export function parseStorageLocation(spec: string, s3?: Partial<S3Settings>): StorageLocation {
  if (!/^s3:\/\//i.test(spec)) return parseLocation(spec);
  const { bucket, prefix } = parseS3Url(spec);
  const accessKeyId = (s3?.accessKeyId ?? '').trim();
  if (accessKeyId === '') throw new ApiError('BAD_REQUEST', `The S3 location s3://${bucket} needs an access key id.`);
  if (!ACCESS_KEY_ID.test(accessKeyId)) throw new ApiError('BAD_REQUEST', 'An S3 access key id is at most 128 letters, digits and punctuation, without spaces.');
  const region = (s3?.region ?? '').trim() || DEFAULT_S3_REGION;
  if (!REGION.test(region))
    throw new ApiError('BAD_REQUEST', `${JSON.stringify(region.slice(0, 70))} is not a region name: lower-case letters, digits, - and _ (for example eu-central-1, auto for Cloudflare R2).`);
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint: normalizeS3Endpoint(s3?.endpoint ?? ''),
    region,
    pathStyle: s3?.pathStyle ?? false,
    accessKeyId,
    storageClass: checkStorageClass((s3?.storageClass ?? '').trim()),
  };
}

const ACCESS_KEY_ID = /^[\x21-\x7e]{1,128}$/;
const REGION = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Classes whose objects must be restored before they can be read: the repository reads its index and trees at every backup. */
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

function checkStorageClass(storageClass: string): string {
  if (storageClass === '') return '';
  if (!/^[A-Z0-9_]{1,40}$/.test(storageClass))
    throw new ApiError(
      'BAD_REQUEST',
      `${JSON.stringify(storageClass.slice(0, 50))} is not a storage class name: upper-case letters, digits and _ (for example STANDARD_IA), or empty for the provider's default.`,
    );
  if (ARCHIVE_CLASSES.has(storageClass)) {
    throw new ApiError(
      'BAD_REQUEST',
      `The storage class ${storageClass} keeps objects offline until they are restored, and every backup reads the repository's index and folders. Choose one that is readable at once (STANDARD, STANDARD_IA, GLACIER_IR, …).`,
    );
  }
  return storageClass;
}

/** For messages: never holds a secret (the access key id is left out too). */
export function describeStorageLocation(location: StorageLocation): string {
  if (location.kind !== 's3') return describeLocation(location);
  const where = location.endpoint ? ` at ${location.endpoint}` : '';
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}${where}`;
}

export function describeLocation(location: Location): string {
  if (location.kind === 'local') return location.path;
  return `${location.kind}://${location.username}@${location.host}:${location.port}${location.path.startsWith('~') ? '/' : ''}${location.path}`;
}

/**
 * Whether two addresses name the same login on the same server (protocol, host, port, user).
 * A saved password or key passphrase belongs to one login, and a confirmed key to one server:
 * neither goes with an address that names another.
 */
export function sameLogin(a: string, b: string): boolean {
  const [x, y] = [parseLocation(a), parseLocation(b)];
  if (x.kind === 'local' || y.kind === 'local') return x.kind === y.kind;
  return x.kind === y.kind && x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port && x.username === y.username;
}

/** Whether two addresses name the same server (protocol, host, port), so a key or certificate confirmed for one holds for the other. */
export function sameServer(a: string, b: string): boolean {
  const [x, y] = [parseLocation(a), parseLocation(b)];
  if (x.kind === 'local' || y.kind === 'local') return x.kind === y.kind;
  return x.kind === y.kind && x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port;
}
