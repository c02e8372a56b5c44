import { createHash, randomBytes } from 'node:crypto';
import { readKeyFile } from './key-files';
import { posix } from 'node:path';
import ssh2, { type Client as SshClient, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import { assertObjectName, BackendError, notFound, type Backend, type ByteRange, type ObjectInfo } from './backend';
import { sha256Fingerprint, type ConnectionSecrets, type ConnectionSettings } from './connection';
import { mapLimit } from '../concurrency/map-limit';
import { call, IN_FLIGHT, pipelinedRead, request, requestRanges } from './sftp-io';
import { explainSilence, socketFailure } from './network-errors';

const WRITE_REQUEST = 256 * 1024;

const STATUS = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4 } as const;

export interface SshTarget {
  host: string;
  port: number;
  username: string;
}

export function fingerprintOf(key: Buffer): string {
  return sha256Fingerprint(key, createHash);
}

/** Connects with the host key checked against the pin: unknown and changed keys are refused. */
export async function connectSsh(target: SshTarget, secrets: ConnectionSecrets, settings: Pick<ConnectionSettings, 'timeoutSeconds'>): Promise<{ client: SshClient; fingerprint: string }> {
  const privateKey = secrets.identityFile ? await readKeyFile(secrets.identityFile, 'key file') : undefined;
  if (!secrets.password && !privateKey) {
    throw new BackendError('permanent', 'AUTH_FAILED', `No password or key was given for ${target.username}@${target.host}:${target.port}.`, { hint: 'give-login-secret' });
  }
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let fingerprint = '';
    let hostKeyProblem: BackendError | null = null;
    client.on('ready', () => resolve({ client, fingerprint }));
    client.on('error', (error: Error & { level?: string }) => {
      client.end();
      if (hostKeyProblem) return reject(hostKeyProblem);
      if (error.level === 'client-authentication') {
        return reject(new BackendError('permanent', 'AUTH_FAILED', `The server at ${target.host}:${target.port} refused the login for ${target.username}: wrong password or key.`));
      }
      if (/passphrase/i.test(error.message)) {
        return reject(new BackendError('permanent', 'AUTH_FAILED', `The key file needs its passphrase, or the passphrase is wrong.`));
      }
      if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
        // A port that speaks FTP gives ssh2 no SSH banner, only the wait: its first line tells.
        const silence = new BackendError('transient', 'CONNECTION_FAILED', `No answer from ${target.host}:${target.port} within ${settings.timeoutSeconds} s.`);
        return void explainSilence('ssh', target, silence, settings.timeoutSeconds, Boolean(secrets.hostKey)).then(reject);
      }
      const failure = socketFailure(error, target, settings.timeoutSeconds);
      if (failure) return reject(failure);
      reject(new BackendError('transient', 'CONNECTION_FAILED', `SSH connection to ${target.host}:${target.port} failed: ${error.message}`));
    });
    const fail = (error: unknown) => {
      const text = (error as Error).message ?? String(error);
      reject(
        /passphrase/i.test(text)
          ? new BackendError('permanent', 'AUTH_FAILED', 'The key file is encrypted: give its passphrase (or the passphrase given is wrong).')
          : new BackendError('permanent', 'AUTH_FAILED', `The key file cannot be used: ${text.replace(/^Cannot parse privateKey: /, '')}`),
      );
    };
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        password: secrets.password,
        privateKey,
        passphrase: secrets.keyPassphrase,
        readyTimeout: settings.timeoutSeconds * 1000,
        // A server that stops answering is given up after about the timeout (three missed keepalives).
        keepaliveInterval: Math.max(1_000, Math.min(15_000, Math.round((settings.timeoutSeconds * 1000) / 3))),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          fingerprint = fingerprintOf(key);
          if (secrets.hostKey) {
            if (secrets.hostKey === fingerprint) return true;
            hostKeyProblem = new BackendError(
              'permanent',
              'HOST_KEY_CHANGED',
              `The host key of ${target.host}:${target.port} has CHANGED: it is now ${fingerprint}, but ${secrets.hostKey} was trusted. ` +
                'This can mean someone is intercepting the connection. If the server was really reinstalled, confirm the new key.',
            );
            return false;
          }
          if (secrets.acceptNewHostKey) return true;
          hostKeyProblem = new BackendError(
            'permanent',
            'HOST_KEY_UNKNOWN',
            `The host key of ${target.host}:${target.port} is not trusted yet. It is ${fingerprint}. ` + 'Check it with the host before trusting it.',
            { hint: 'confirm-host-key' },
          );
          return false;
        },
      });
      // Without it, Nagle's algorithm holds back SFTP requests and the JavaScript cipher path's
      // several writes per packet: 4x slower downloads on loopback (npm run bench:ssh-crypto).
      client.setNoDelay(true);
    } catch (error) {
      fail(error);
    }
  });
}

function classify(error: unknown, location: string, name: string): BackendError {
  if (error instanceof BackendError) return error;
  const code = (error as { code?: number | string }).code;
  if (code === STATUS.NO_SUCH_FILE) return notFound(location, name);
  if (code === STATUS.PERMISSION_DENIED) return new BackendError('permanent', 'PERMISSION_DENIED', `Permission denied for ${name} on ${location}.`);
  if (code === STATUS.FAILURE) {
    return new BackendError('permanent', 'IO_ERROR', `The server failed on ${name} in ${location} (the disk may be full or the quota reached): ${(error as Error).message}`);
  }
  return new BackendError('transient', 'CONNECTION_FAILED', `SFTP error on ${name} in ${location}: ${(error as Error).message}`);
}

/** A repository on an SFTP server (also SFTP-only, chrooted accounts). */
export class SftpBackend implements Backend {
  readonly properties;
  #session: Promise<{ client: SshClient; sftp: SFTPWrapper }> | null = null;
  /** The repository folder, absolute once known (a `~/` path is resolved at login). */
  #base: string | null;
  readonly #madeDirs = new Set<string>();

  constructor(
    private readonly target: SshTarget & { path: string },
    private readonly secrets: ConnectionSecrets,
    private readonly settings: ConnectionSettings,
  ) {
    this.properties = { location: `sftp://${target.username}@${target.host}:${target.port}${target.path.startsWith('~') ? '/' : ''}${target.path}`, maxConnections: settings.maxConnections };
    this.#base = target.path.startsWith('~') ? null : target.path;
  }

  #sftp(): Promise<SFTPWrapper> {
    if (!this.#session) {
      const opening = (async () => {
        const { client } = await connectSsh(this.target, this.secrets, this.settings);
        const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
        if (this.#base === null) {
          const home = await request<string>(sftp, (cb) => sftp.realpath('.', cb));
          this.#base = posix.join(home, this.target.path.replace(/^~\/?/, ''));
        }
        const drop = () => {
          if (this.#session === opening) this.#session = null;
        };
        client.on('close', drop);
        client.on('error', drop);
        return { client, sftp };
      })();
      this.#session = opening;
      opening.catch(() => {
        if (this.#session === opening) this.#session = null;
      });
    }
    return this.#session.then((s) => s.sftp);
  }

  /** Call after `#sftp()`: the base folder is known once logged in. */
  #path(name: string): string {
    if (this.#base === null) throw new Error('SFTP path used before login');
    return posix.join(this.#base, name);
  }

  async #mkdirs(dir: string): Promise<void> {
    if (this.#madeDirs.has(dir) || dir === '/' || dir === '.') return;
    const sftp = await this.#sftp();
    try {
      await request<Stats>(sftp, (cb) => sftp.stat(dir, cb));
    } catch {
      await this.#mkdirs(posix.dirname(dir));
      await request<void>(sftp, (cb) => sftp.mkdir(dir, (e) => cb(e, undefined))).catch(async (error) => {
        const exists = await request<Stats>(sftp, (cb) => sftp.stat(dir, cb)).then(
          () => true,
          () => false,
        );
        if (!exists) throw error;
      });
    }
    this.#madeDirs.add(dir);
  }

  async list(folder: string): Promise<ObjectInfo[]> {
    const sftp = await this.#sftp();
    const out: ObjectInfo[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await request<FileEntryWithStats[]>(sftp, (cb) => sftp.readdir(this.#path(relative), cb));
      } catch (error) {
        if ((error as { code?: number }).code === STATUS.NO_SUCH_FILE) return;
        throw classify(error, this.properties.location, relative);
      }
      const subdirs: Promise<void>[] = [];
      for (const entry of entries) {
        const name = `${relative}/${entry.filename}`;
        if (entry.attrs.isDirectory()) {
          if (folder === 'data' && relative === 'data') subdirs.push(walk(name));
        } else if (!entry.filename.includes('.tmp.')) {
          out.push({ name, size: entry.attrs.size });
        }
      }
      await Promise.all(subdirs);
    };
    await walk(folder);
    return out;
  }

  async stat(name: string): Promise<ObjectInfo> {
    assertObjectName(name);
    const sftp = await this.#sftp();
    try {
      const stats = await request<Stats>(sftp, (cb) => sftp.stat(this.#path(name), cb));
      return { name, size: stats.size };
    } catch (error) {
      throw classify(error, this.properties.location, name);
    }
  }

  async read(name: string, range?: ByteRange): Promise<Buffer> {
    assertObjectName(name);
    const sftp = await this.#sftp();
    const path = this.#path(name);
    try {
      const handle = await request<Buffer>(sftp, (cb) => sftp.open(path, 'r', cb));
      try {
        const start = range?.offset ?? 0;
        const length = range ? range.length : (await request<Stats>(sftp, (cb) => sftp.fstat(handle, cb))).size;
        try {
          return await pipelinedRead(sftp, handle, start, length, name);
        } catch (error) {
          if ((error as { truncated?: boolean }).truncated) throw new BackendError('permanent', 'TRUNCATED', `${(error as Error).message}.`);
          throw error;
        }
      } finally {
        await request<void>(sftp, (cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => {});
      }
    } catch (error) {
      throw classify(error, this.properties.location, name);
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    assertObjectName(name);
    await this.#sftp().catch((error: unknown) => {
      throw classify(error, this.properties.location, name);
    });
    const path = this.#path(name);
    const temp = `${path}.tmp.${randomBytes(6).toString('hex')}`;
    try {
      await this.#mkdirs(posix.dirname(path));
      const sftp = await this.#sftp();
      const handle = await request<Buffer>(sftp, (cb) => sftp.open(temp, 'wx', cb));
      try {
        await mapLimit(requestRanges(data.length, WRITE_REQUEST), IN_FLIGHT, ({ at, size }) => request<void>(sftp, (cb) => sftp.write(handle, data, at, size, at, (e) => cb(e, undefined))));
      } finally {
        await request<void>(sftp, (cb) => sftp.close(handle, (e) => cb(e, undefined)));
      }
      await request<void>(sftp, (cb) => sftp.rename(temp, path, (e) => cb(e, undefined)));
    } catch (error) {
      const sftp = await this.#sftp().catch(() => null);
      if (sftp) await request<void>(sftp, (cb) => sftp.unlink(temp, (e) => cb(e, undefined))).catch(() => {});
      const full = sftp && (error as { code?: number }).code === STATUS.FAILURE ? await this.#noSpace(sftp, posix.dirname(path), name, data.length) : null;
      throw full ?? classify(error, this.properties.location, name);
    }
  }

  /**
   * SFTP v3 reports a full disk as a bare "Failure": OpenSSH's statvfs extension tells
   * whether that is what happened, so the user reads "full", not a riddle.
   */
  async #noSpace(sftp: SFTPWrapper, folder: string, name: string, needed: number): Promise<BackendError | null> {
    try {
      const info = await request<{ f_bavail: number | bigint; f_frsize: number | bigint }>(sftp, (cb) => sftp.ext_openssh_statvfs(folder, cb));
      const free = Number(info.f_bavail) * Number(info.f_frsize);
      if (free >= needed + 64 * 1024) return null;
      return new BackendError('permanent', 'NO_SPACE', `The server's disk holding ${this.properties.location} is full (${free} bytes free) while writing ${name} (${needed} bytes).`);
    } catch {
      return null;
    }
  }

  async delete(name: string): Promise<void> {
    assertObjectName(name);
    const sftp = await this.#sftp();
    try {
      await request<void>(sftp, (cb) => sftp.unlink(this.#path(name), (e) => cb(e, undefined)));
    } catch (error) {
      throw classify(error, this.properties.location, name);
    }
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session) (await session.catch(() => null))?.client.end();
  }
}
