import { createServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { FTPContext, FTPResponse } from 'basic-ftp';
import { assertSessionPin } from './ftp-tls';

/**
 * Stands in for the data connection until the server dials in. basic-ftp wants a data
 * socket before it sends the transfer command, but in active mode the server connects only
 * after that command; reads and writes are relayed once the real socket arrives.
 */
class DeferredDataSocket extends Duplex {
  #socket: Socket | null = null;
  readonly #pendingWrites: Array<{ chunk: Buffer; done: (error?: Error | null) => void }> = [];
  #pendingFinal: ((error?: Error | null) => void) | null = null;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;

  attach(socket: Socket): void {
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.remoteFamily = socket.remoteFamily;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    for (const { chunk, done } of this.#pendingWrites.splice(0)) socket.write(chunk, done);
    if (this.#pendingFinal) {
      const done = this.#pendingFinal;
      this.#pendingFinal = null;
      socket.end(() => done());
    }
  }

  override _read(): void {
    this.#socket?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#socket) this.#socket.write(chunk, done);
    else this.#pendingWrites.push({ chunk, done });
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.#socket) this.#socket.end(() => done());
    else this.#pendingFinal = done;
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#socket?.destroy();
    done(error);
  }

  setTimeout(ms: number): this {
    this.#socket?.setTimeout(ms);
    return this;
  }
}

let accepted = 0;

/** How many active data connections servers have opened to this process (diagnostics, tests). */
export function activeDataConnectionsAccepted(): number {
  return accepted;
}

/** The address a socket's peer has, without the IPv4-mapped prefix. */
function peerAddress(socket: Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/**
 * Active-mode FTP for basic-ftp (which only does passive): listen on the control
 * connection's local address, announce it with PORT, and relay the server's incoming data
 * connection, wrapped in TLS (reusing the control session) under FTPS. Only a connection from
 * the control connection's peer is taken: anyone else who reaches the port first is turned
 * away. Under TLS nothing is relayed before the handshake ended and the pin (if any) held.
 * Passive stays the default: active mode rarely passes a laptop's firewall or NAT.
 */
export async function enterActiveMode(ftp: FTPContext): Promise<FTPResponse> {
  const address = (ftp.socket.localAddress ?? '').replace(/^::ffff:/, '');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new Error('Active FTP mode needs an IPv4 control connection.');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const deferred = new DeferredDataSocket();
  const timer = setTimeout(() => {
    server.close();
    deferred.destroy(new Error(`The server did not open the active data connection within ${ftp.timeout} ms.`));
  }, ftp.timeout || 30_000);
  const serverAddress = peerAddress(ftp.socket);
  const onConnection = (raw: Socket) => {
    if (peerAddress(raw) !== serverAddress) {
      raw.destroy();
      return;
    }
    accepted++;
    clearTimeout(timer);
    server.off('connection', onConnection);
    server.close();
    if (!(ftp.socket instanceof TLSSocket)) return deferred.attach(raw);
    const secure = tlsConnect({ ...ftp.tlsOptions, socket: raw, session: ftp.socket.getSession() });
    secure.once('error', (error) => deferred.destroy(error));
    secure.once('secureConnect', () => {
      try {
        assertSessionPin(ftp, secure);
      } catch (error) {
        secure.destroy();
        deferred.destroy(error as Error);
        return;
      }
      deferred.attach(secure);
    });
  };
  server.on('connection', onConnection);
  try {
    const response = await ftp.request(`PORT ${address.split('.').join(',')},${port >> 8},${port & 255}`);
    ftp.dataSocket = deferred as unknown as Socket;
    return response;
  } catch (error) {
    clearTimeout(timer);
    server.close();
    throw error;
  }
}
