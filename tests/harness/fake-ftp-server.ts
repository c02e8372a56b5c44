import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { certificateFingerprint } from './ftpd';
import { run } from './system';

/** A key and certificate for a fake server, and the fingerprint a client would pin. */
export interface TestCertificate {
  key: string;
  cert: string;
  fingerprint: string;
}

/** A throwaway self-signed certificate for 127.0.0.1 (made with openssl, as the real servers' are). */
export async function makeCertificate(commonName = 'localhost'): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'sv-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    const cert = await readFile(certFile, 'utf8');
    return { key: await readFile(keyFile, 'utf8'), cert, fingerprint: certificateFingerprint(cert) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface FakeFtpOptions {
  /** The certificate the control connection presents after AUTH TLS. */
  control: TestCertificate;
  /** The certificate data connections present (default: the control one): a man in the middle of the data channel. */
  data?: TestCertificate;
  /** Active mode: after PORT, dial the client from this address first (an attacker's connection), before the server's own. */
  activeIntruderFrom?: string;
  /** The highest TLS version data connections speak (TLS 1.2 sends its session ticket within the handshake). */
  dataMaxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * An FTP(S) server written for attack tests: it answers just enough of the protocol for a
 * client to log in, list, upload and download one file, and records every command it is sent
 * and every byte that arrives on its data connections. It never stores anything.
 */
export class FakeFtpServer {
  readonly commands: string[] = [];
  /** The commands of each control connection, in the order the connections came. */
  readonly sessions: string[][] = [];
  /** Bytes that reached the server over data connections (uploads). */
  readonly uploaded: Buffer[] = [];
  /** Data connections the client opened (passive) or accepted (active). */
  dataConnections = 0;
  /** Whether the intruder's active-mode connection was answered by the client. */
  intruderGotData = false;
  readonly #server: Server;
  readonly #control: SecureContext;
  readonly #data: SecureContext;
  readonly #sockets = new Set<Socket>();
  port = 0;
  /** The fingerprint of the control connection's certificate. */
  readonly fingerprint: string;

  constructor(private readonly options: FakeFtpOptions) {
    this.fingerprint = options.control.fingerprint;
    this.#control = createSecureContext({ key: options.control.key, cert: options.control.cert });
    const data = options.data ?? options.control;
    this.#data = createSecureContext({ key: data.key, cert: data.cert, ...(options.dataMaxVersion ? { maxVersion: options.dataMaxVersion } : {}) });
    this.#server = createServer((socket) => this.#session(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Whether a login secret was sent (USER or PASS). */
  get loginAttempted(): boolean {
    return this.commands.some((line) => /^(USER|PASS)\b/i.test(line));
  }

  #track<T extends Socket>(socket: T): T {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    return socket;
  }

  #session(raw: Socket): void {
    let socket: Socket = this.#track(raw);
    const commands: string[] = [];
    this.sessions.push(commands);
    let secureData = false;
    let passive: Server | null = null;
    let pendingData: Promise<Socket> | null = null;
    let buffer = '';
    const reply = (text: string) => socket.write(`${text}\r\n`);

    const openPassive = async (): Promise<number> => {
      passive?.close();
      const listener = createServer();
      passive = listener;
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
      pendingData = new Promise<Socket>((resolve) => {
        listener.once('connection', (dataRaw) => {
          listener.close();
          this.dataConnections++;
          resolve(this.#wrapData(this.#track(dataRaw), secureData));
        });
      });
      return (listener.address() as { port: number }).port;
    };

    const openActive = (host: string, port: number) => {
      const dial = (localAddress?: string) =>
        new Promise<Socket>((resolve, reject) => {
          const dataRaw = netConnect({ host, port, ...(localAddress ? { localAddress } : {}) }, () => resolve(dataRaw));
          dataRaw.once('error', reject);
        });
      pendingData = (async () => {
        const intruderFrom = this.options.activeIntruderFrom;
        if (intruderFrom) {
          const intruder = this.#track(await dial(intruderFrom));
          intruder.on('data', () => (this.intruderGotData = true));
          intruder.write('intruder bytes\r\n');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const dataRaw = this.#track(await dial());
        this.dataConnections++;
        return this.#wrapData(dataRaw, secureData);
      })();
    };

    const transfer = async (work: (data: Socket) => Promise<void>) => {
      if (!pendingData) return reply('425 Use PASV or PORT first');
      const opening = pendingData;
      pendingData = null;
      reply('150 Opening data connection');
      try {
        const data = await opening;
        await work(data);
        reply('226 Transfer complete');
      } catch {
        reply('426 Connection closed; transfer aborted');
      }
    };

    const handle = async (line: string) => {
      this.commands.push(line);
      commands.push(line);
      const [verb = '', ...rest] = line.split(' ');
      const argument = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'AUTH': {
          reply('234 Proceed with negotiation');
          const tls = new TLSSocket(socket, { isServer: true, secureContext: this.#control });
          socket = this.#track(tls);
          tls.on('data', onData);
          return;
        }
        case 'USER':
          return reply('331 Password required');
        case 'PASS':
          return reply('230 Logged in');
        case 'PBSZ':
          return reply('200 PBSZ=0');
        case 'PROT':
          secureData = argument.toUpperCase() === 'P';
          return reply('200 Protection set');
        case 'FEAT':
          return reply('211 No features');
        case 'PWD':
          return reply('257 "/" is the current directory');
        case 'CWD':
        case 'TYPE':
        case 'OPTS':
        case 'STRU':
        case 'MODE':
          return reply('200 OK');
        case 'MKD':
          return reply(`257 "${argument}" created`);
        case 'SIZE': {
          const size = this.uploaded.reduce((n, b) => n + b.length, 0);
          return reply(size > 0 ? `213 ${size}` : '550 No such file');
        }
        case 'EPSV':
          return reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`);
        case 'PASV': {
          const port = await openPassive();
          return reply(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
        }
        case 'PORT': {
          const parts = argument.split(',').map(Number);
          openActive(parts.slice(0, 4).join('.'), (parts[4]! << 8) + parts[5]!);
          return reply('200 PORT command successful');
        }
        case 'LIST':
        case 'MLSD':
        case 'NLST':
          return transfer(async (data) => {
            await new Promise<void>((resolve) => data.end('-rw-r--r-- 1 u g 5 Jan 01  2020 hello.txt\r\n', () => resolve()));
          });
        case 'RETR':
          return transfer(async (data) => {
            await new Promise<void>((resolve) => data.end('hello', () => resolve()));
          });
        case 'STOR':
        case 'APPE':
          return transfer(async (data) => {
            await new Promise<void>((resolve, reject) => {
              data.on('data', (chunk: Buffer) => this.uploaded.push(chunk));
              data.once('end', () => resolve());
              data.once('close', () => resolve());
              data.once('error', reject);
            });
          });
        case 'DELE':
        case 'RNFR':
          return reply('350 OK');
        case 'RNTO':
        case 'RMD':
          return reply('250 OK');
        case 'QUIT':
          reply('221 Bye');
          socket.end();
          return;
        default:
          return reply('502 Not implemented');
      }
    };

    let queue = Promise.resolve();
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        queue = queue.then(async () => {
          await handle(line);
        });
      }
    };
    raw.on('data', (chunk: Buffer) => {
      // After AUTH TLS the TLS socket reads the raw one; plaintext lines stop here.
      if (socket === raw) onData(chunk);
    });
    raw.on('close', () => (passive as Server | null)?.close());
    reply('220 Fake FTP server');
  }

  /** Under PROT P the server takes the TLS server role, whichever side dialled. */
  #wrapData(raw: Socket, secure: boolean): Socket {
    if (!secure) return raw;
    return this.#track(new TLSSocket(raw, { isServer: true, secureContext: this.#data }));
  }
}
