import { randomBytes } from 'node:crypto';
import { readKeyFile } from './key-files';
import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import { Client, FTPError } from 'basic-ftp';
import { ResourcePool } from '../concurrency/resource-pool';
import { enterActiveMode } from './ftp-active-mode';
import { assertObjectName, BackendError, notFound, type Backend, type ByteRange, type ObjectInfo } from './backend';
import type { ConnectionSecrets, ConnectionSettings } from './connection';
import { assertPinned, forgetTlsSessions, ftpTlsOptions, pinDataConnections } from './ftp-tls';
import { explainSilence, socketFailure } from './network-errors';

/** When the destination says 0 (unlimited), this many connections are used. */
const DEFAULT_POOL = 4;

export interface FtpTarget {
  host: string;
  port: number;
  username: string;
  path: string;
  secure: boolean;
}

/** Maps an FTP or socket failure to a BackendError: 4xx replies and dropped connections are transient. */
export function classifyFtpError(error: unknown, location: string, name: string): BackendError {
  if (error instanceof BackendError) return error;
  if (error instanceof FTPError) {
    if (error.code === 530) return new BackendError('permanent', 'AUTH_FAILED', `The FTP server at ${location} refused the login: wrong user name or password.`);
    if (error.code === 550) return notFound(location, name);
    if (error.code === 552 || error.code === 452) return new BackendError('permanent', 'NO_SPACE', `The FTP server has no space left for ${name} (${error.code}).`);
    if (error.code === 553 || error.code === 532) return new BackendError('permanent', 'PERMISSION_DENIED', `The FTP server refused ${name}: ${error.message}`);
    if (error.code >= 500) return new BackendError('permanent', 'IO_ERROR', `The FTP server refused ${name}: ${error.message}`);
    return new BackendError('transient', 'CONNECTION_FAILED', `FTP error on ${name}: ${error.message}`);
  }
  const message = (error as Error).message ?? String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // A pin failure on a data connection comes back wrapped by basic-ftp, which keeps its code.
  if (code === 'HOST_KEY_CHANGED') return new BackendError('permanent', 'HOST_KEY_CHANGED', message.replace(/^Client is closed because /, '').replace(/ \(data socket\)$/, ''));
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames/i.test(message)) {
    return new BackendError(
      'permanent',
      'TLS_UNTRUSTED',
      `The TLS certificate of ${location} was issued for another name (${message}). Check the host name; if the server uses a self-signed certificate, trust it by its fingerprint instead of a CA.`,
    );
  }
  const tlsCodes = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'];
  if ((code && tlsCodes.includes(code)) || /self[- ]signed certificate|certificate has expired|unable to verify/i.test(message)) {
    return new BackendError('permanent', 'TLS_UNTRUSTED', `The TLS certificate of ${location} does not validate (${code ?? message}). Trust it by its fingerprint, or give the CA that issued it.`);
  }
  const endpoint = endpointOf(location);
  const failure = endpoint ? socketFailure(error, endpoint, 0) : null;
  if (failure && code !== 'ETIMEDOUT') return failure;
  if (code === 'ENOTFOUND') return new BackendError('permanent', 'CONNECTION_FAILED', `Unknown host in ${location}.`, { hint: 'check-server-name' });
  return new BackendError('transient', 'CONNECTION_FAILED', `FTP connection to ${location} failed: ${message}`);
}

/** The host and port in a location's description (`ftp://user@host:port/path`), to name them in a message. */
function endpointOf(location: string): { host: string; port: number } | null {
  const match = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+):(\d+)/i.exec(location);
  return match ? { host: match[1]!, port: Number(match[2]) } : null;
}

/**
 * Logs in to an FTP or explicit-FTPS server, with the certificate checked as configured
 * before the login is sent. TLS is never silently dropped: a server that refuses AUTH TLS
 * fails the connection. A pinned certificate is checked on every data connection too.
 */
export async function connectFtp(target: Omit<FtpTarget, 'path'>, secrets: ConnectionSecrets, settings: ConnectionSettings, ca: Buffer | undefined, location: string): Promise<Client> {
  const client = new Client(settings.timeoutSeconds * 1000);
  const pinned = secrets.tlsFingerprint;
  try {
    // basic-ftp's access(), step by step, so that a refused AUTH TLS is known for what it is.
    await client.connect(target.host, target.port);
    if (target.secure) {
      await startTls(client, ftpTlsOptions(secrets, ca, target.host), location);
      if (pinned) {
        const where = `${target.host}:${target.port}`;
        try {
          assertPinned(client.ftp.socket as TLSSocket, pinned, where);
        } catch (error) {
          forgetTlsSessions(client.ftp);
          throw error;
        }
        pinDataConnections(client.ftp, pinned, where);
      }
    }
    await client.sendIgnoringError('OPTS UTF8 ON');
    await client.login(target.username, secrets.password ?? '');
    await client.useDefaultSettings();
    if (!settings.passive) client.prepareTransfer = enterActiveMode;
    return client;
  } catch (error) {
    client.close();
    const classified = classifyFtpError(error, location, '(login)');
    // A port that speaks SSH sends no FTP greeting, only the wait: its first line tells.
    if (/^Timeout/i.test((error as Error).message ?? '')) throw await explainSilence('ftp', target, classified, settings.timeoutSeconds, Boolean(secrets.tlsFingerprint));
    throw classified;
  }
}

/** AUTH TLS and the handshake; a server that refuses is never used in plain text instead. */
export async function startTls(client: Client, options: ConnectionOptions, location: string): Promise<TLSSocket> {
  await client.useTLS(options).catch((error: unknown) => {
    if (error instanceof FTPError) {
      throw new BackendError('permanent', 'TLS_UNTRUSTED', `${location} does not offer TLS (it answered AUTH TLS with: ${error.message}). SiteVault never falls back to plain FTP when TLS was asked for.`);
    }
    throw error;
  });
  const socket = client.ftp.socket;
  if (!(socket instanceof TLSSocket)) throw new BackendError('permanent', 'TLS_UNTRUSTED', `${location} did not switch to TLS. SiteVault never falls back to plain FTP when TLS was asked for.`);
  return socket;
}

/**
 * A repository on an FTP or explicit-FTPS server, through a pool of connections (one per
 * operation in flight, up to the destination's limit). TLS is never silently dropped: a
 * server that refuses AUTH TLS fails the connection.
 */
export class FtpBackend implements Backend {
  readonly properties;
  readonly #pool: ResourcePool<Client>;
  readonly #madeDirs = new Set<string>();
  #ca: Buffer | undefined;
  /** The repository folder, absolute once known (a `~/` path is resolved at login). */
  #base: string | null;

  constructor(
    private readonly target: FtpTarget,
    private readonly secrets: ConnectionSecrets,
    private readonly settings: ConnectionSettings,
  ) {
    this.properties = {
      location: `${target.secure ? 'ftps' : 'ftp'}://${target.username}@${target.host}:${target.port}${target.path.startsWith('~') ? '/' : ''}${target.path}`,
      maxConnections: settings.maxConnections,
    };
    this.#base = target.path.startsWith('~') ? null : target.path;
    this.#pool = new ResourcePool<Client>({
      size: settings.maxConnections > 0 ? settings.maxConnections : DEFAULT_POOL,
      open: () => this.#connect(),
      close: (client) => client.close(),
      usable: (client) => !client.closed,
      brokenBy: (error, client) => !(error instanceof FTPError) || client.closed,
    });
  }

  async #connect(): Promise<Client> {
    if (this.secrets.caFile && !this.#ca) this.#ca = await readKeyFile(this.secrets.caFile, 'CA file');
    const client = await connectFtp(this.target, this.secrets, this.settings, this.#ca, this.properties.location);
    if (this.#base === null) this.#base = posix.join(await client.pwd(), this.target.path.replace(/^~\/?/, ''));
    return client;
  }

  async #with<T>(name: string, work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await this.#pool.with(work);
    } catch (error) {
      throw classifyFtpError(error, this.properties.location, name);
    }
  }

  /** Call with a connection in hand: the base folder is known once logged in. */
  #path(name: string): string {
    if (this.#base === null) throw new Error('FTP path used before login');
    return posix.join(this.#base, name);
  }

  async list(folder: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await this.#with(relative, (client) => client.list(this.#path(relative)));
      } catch (error) {
        if (error instanceof BackendError && error.kind === 'not-found') return;
        throw error;
      }
      const subdirs: Promise<void>[] = [];
      for (const entry of entries) {
        const name = `${relative}/${entry.name}`;
        if (entry.isDirectory) {
          if (folder === 'data' && relative === 'data' && /^[0-9a-f]{2}$/.test(entry.name)) subdirs.push(walk(name));
        } else if (entry.isFile && !entry.name.includes('.tmp.')) {
          out.push({ name, size: entry.size });
        }
      }
      await Promise.all(subdirs);
    };
    await walk(folder);
    return out;
  }

  async stat(name: string): Promise<ObjectInfo> {
    assertObjectName(name);
    return { name, size: await this.#with(name, (client) => client.size(this.#path(name))) };
  }

  async read(name: string, range?: ByteRange): Promise<Buffer> {
    assertObjectName(name);
    const chunks: Buffer[] = [];
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        received += chunk.length;
        done();
      },
    });
    await this.#with(name, (client) => client.downloadTo(sink, this.#path(name), range?.offset ?? 0));
    const all = Buffer.concat(chunks, received);
    if (!range) return all;
    if (all.length < range.length) throw new BackendError('permanent', 'TRUNCATED', `${name} is shorter than expected (${range.offset + all.length} bytes).`);
    return all.subarray(0, range.length);
  }

  async #mkdirs(client: Client, dir: string): Promise<void> {
    if (this.#madeDirs.has(dir)) return;
    await client.ensureDir(dir);
    this.#madeDirs.add(dir);
  }

  async write(name: string, data: Buffer): Promise<void> {
    assertObjectName(name);
    await this.#with(name, async (client) => {
      const path = this.#path(name);
      const temp = `${path}.tmp.${randomBytes(6).toString('hex')}`;
      await this.#mkdirs(client, posix.dirname(path));
      // ensureDir changes the working directory; absolute paths keep that harmless.
      try {
        await client.uploadFrom(Readable.from([data]), temp);
        // A cut data connection can still end in "226 complete" on the server's side.
        const stored = await client.size(temp);
        if (stored !== data.length) throw new BackendError('transient', 'CONNECTION_FAILED', `The upload of ${name} ended after ${stored} of ${data.length} bytes (connection lost).`);
        await client.rename(temp, path);
      } catch (error) {
        await client.remove(temp, true).catch(() => {});
        throw error;
      }
    });
  }

  async delete(name: string): Promise<void> {
    assertObjectName(name);
    await this.#with(name, (client) => client.remove(this.#path(name)));
  }

  async close(): Promise<void> {
    this.#pool.closeAll();
  }
}
