import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Client, FTPError } from 'basic-ftp';
import { enterActiveMode } from './ftp-active-mode';
import { assertObjectName, BackendError, notFound, type Backend, type ByteRange, type ObjectInfo } from './backend';
import { sha256Fingerprint, type ConnectionSecrets, type ConnectionSettings } from './connection';

/** When the destination says 0 (unlimited), this many connections are used. */
const DEFAULT_POOL = 4;

export interface FtpTarget {
  host: string;
  port: number;
  username: string;
  path: string;
  secure: boolean;
}

export function certificateFingerprint(der: Buffer): string {
  return sha256Fingerprint(der, createHash);
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
  const tlsCodes = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'];
  if ((code && tlsCodes.includes(code)) || /self[- ]signed certificate|certificate has expired|unable to verify|altnames/i.test(message)) {
    return new BackendError('permanent', 'TLS_UNTRUSTED', `The TLS certificate of ${location} does not validate (${code ?? message}). Pass --ca with its certificate, or pin it with --tls-fingerprint.`);
  }
  if (code === 'ENOTFOUND') return new BackendError('permanent', 'CONNECTION_FAILED', `Unknown host in ${location}.`);
  return new BackendError('transient', 'CONNECTION_FAILED', `FTP connection to ${location} failed: ${message}`);
}

/**
 * Pinned: accept any chain, then compare the certificate's fingerprint. Given a CA (often
 * the self-signed certificate itself): validate against it alone, without the host-name
 * check that such certificates rarely pass. Otherwise: the system's CAs, fully checked.
 * Tool options with `undefined` values would replace Node's defaults, so none are set.
 */
function tlsOptions(secure: boolean, secrets: ConnectionSecrets, ca: Buffer | undefined): ConnectionOptions | undefined {
  if (!secure) return undefined;
  if (secrets.tlsFingerprint) return { rejectUnauthorized: false };
  if (ca) return { ca, checkServerIdentity: () => undefined };
  return {};
}

/**
 * Logs in to an FTP or explicit-FTPS server, with the certificate checked as configured. TLS
 * is never silently dropped: a server that refuses AUTH TLS fails the connection.
 */
export async function connectFtp(
  target: Omit<FtpTarget, 'path'>,
  secrets: ConnectionSecrets,
  settings: ConnectionSettings,
  ca: Buffer | undefined,
  location: string,
): Promise<Client> {
  const client = new Client(settings.timeoutSeconds * 1000);
  const pinned = secrets.tlsFingerprint;
  try {
    // basic-ftp's access(), step by step, so that a refused AUTH TLS is known for what it is.
    await client.connect(target.host, target.port);
    if (target.secure) {
      await client.useTLS({ ...tlsOptions(true, secrets, ca), host: target.host }).catch((error: unknown) => {
        if (error instanceof FTPError) {
          throw new BackendError('permanent', 'TLS_UNTRUSTED', `${location} does not offer TLS (it answered AUTH TLS with: ${error.message}). SiteVault never falls back to plain FTP when TLS was asked for.`);
        }
        throw error;
      });
    }
    await client.sendIgnoringError('OPTS UTF8 ON');
    await client.login(target.username, secrets.password ?? '');
    await client.useDefaultSettings();
    if (target.secure) {
      const socket = client.ftp.socket as TLSSocket;
      if (typeof socket.getPeerCertificate !== 'function') {
        throw new BackendError('permanent', 'TLS_UNTRUSTED', `${location} did not switch to TLS. SiteVault never falls back to plain FTP when TLS was asked for.`);
      }
      if (pinned) {
        const actual = certificateFingerprint(socket.getPeerCertificate().raw);
        if (actual !== pinned) {
          throw new BackendError('permanent', 'HOST_KEY_CHANGED', `The TLS certificate of ${target.host}:${target.port} has CHANGED: it is now ${actual}, but ${pinned} was trusted.`);
        }
      }
    }
    if (!settings.passive) client.prepareTransfer = enterActiveMode;
    return client;
  } catch (error) {
    client.close();
    throw classifyFtpError(error, location, '(login)');
  }
}

/**
 * A repository on an FTP or explicit-FTPS server, through a pool of connections (one per
 * operation in flight, up to the destination's limit). TLS is never silently dropped: a
 * server that refuses AUTH TLS fails the connection.
 */
export class FtpBackend implements Backend {
  readonly properties;
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  readonly #waiters: Array<{ resolve: (client: Client) => void; reject: (error: unknown) => void }> = [];
  /** Connections open or being opened. */
  #count = 0;
  readonly #madeDirs = new Set<string>();
  readonly #poolSize: number;
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
    this.#poolSize = settings.maxConnections > 0 ? settings.maxConnections : DEFAULT_POOL;
  }

  async #connect(): Promise<Client> {
    if (this.secrets.caFile && !this.#ca) this.#ca = await readFile(this.secrets.caFile);
    const client = await connectFtp(this.target, this.secrets, this.settings, this.#ca, this.properties.location);
    if (this.#base === null) this.#base = posix.join(await client.pwd(), this.target.path.replace(/^~\/?/, ''));
    this.#all.add(client);
    return client;
  }

  async #open(): Promise<Client> {
    this.#count++;
    try {
      return await this.#connect();
    } catch (error) {
      this.#count--;
      throw error;
    }
  }

  async #acquire(): Promise<Client> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#count < this.#poolSize) return this.#open();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(client: Client, broken: boolean): void {
    const waiter = this.#waiters.shift();
    if (broken || client.closed) {
      this.#all.delete(client);
      this.#count--;
      client.close();
      if (waiter) this.#open().then(waiter.resolve, waiter.reject);
      return;
    }
    if (waiter) waiter.resolve(client);
    else this.#idle.push(client);
  }

  async #with<T>(name: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = !(error instanceof FTPError) || client.closed;
      throw classifyFtpError(error, this.properties.location, name);
    } finally {
      this.#release(client, broken);
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
    for (const client of this.#all) client.close();
    this.#all.clear();
    this.#idle.length = 0;
    this.#count = 0;
  }
}
