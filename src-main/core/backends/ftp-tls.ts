import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import type { FTPContext } from 'basic-ftp';
import { BackendError } from './backend';
import { sha256Fingerprint, type ConnectionSecrets } from './connection';

export function certificateFingerprint(der: Buffer): string {
  return sha256Fingerprint(der, createHash);
}

/**
 * Pinned: the chain is not judged (a pinned certificate is usually self-signed); the
 * fingerprint is compared as soon as each handshake ends, before anything is sent on it.
 * Given a CA: validated against it alone, with the host-name check kept, so that a
 * certificate the CA issued for another name is refused. Otherwise: the system's CAs.
 * Options with `undefined` values would replace Node's defaults, so none are set.
 */
export function ftpTlsOptions(secrets: ConnectionSecrets, ca: Buffer | undefined, host: string): ConnectionOptions {
  if (secrets.tlsFingerprint) return { host, rejectUnauthorized: false };
  if (ca) return { host, ca };
  return { host };
}

/** The fingerprint of the certificate a finished handshake presented, or null if there was none. */
export function peerFingerprint(socket: TLSSocket): string | null {
  const raw = socket.getPeerCertificate()?.raw;
  return raw && raw.length > 0 ? certificateFingerprint(raw) : null;
}

/**
 * Throws unless the socket's certificate is the pinned one. A data connection that resumed
 * the control connection's TLS session passes: only the server that completed the checked
 * handshake holds that session (Node skips its own identity check on resumption too).
 */
export function assertPinned(socket: TLSSocket, pinned: string, where: string): void {
  if (socket.isSessionReused()) return;
  const actual = peerFingerprint(socket);
  if (actual === pinned) return;
  throw new BackendError(
    'permanent',
    'HOST_KEY_CHANGED',
    `The TLS certificate of ${where} has CHANGED: it is now ${actual ?? 'missing'}, but ${pinned} was trusted. ` +
      'This can mean someone is intercepting the connection; nothing was sent to it. If the server really has a new certificate, confirm the new one.',
  );
}

/**
 * basic-ftp keeps the last TLS session a server sent (`tlsSessionStore`) and offers it when the
 * next data connection opens, and a resumed session passes assertPinned. Node emits 'session'
 * even after a socket was destroyed for its certificate, so a data connection's sessions are
 * held back until its pin matched, dropped if it did not, and a mismatch empties the store
 * for good.
 */
function holdSessionsUntilPinned(socket: TLSSocket): { trust(): void; refuse(): void } {
  const keepers = socket.listeners('session') as Array<(session: Buffer) => void>;
  socket.removeAllListeners('session');
  let verdict: 'pending' | 'trusted' | 'refused' = 'pending';
  const held: Buffer[] = [];
  const keep = (session: Buffer) => {
    for (const keeper of keepers) keeper.call(socket, session);
  };
  socket.on('session', (session: Buffer) => {
    if (verdict === 'trusted') keep(session);
    else if (verdict === 'pending') held.push(session);
  });
  return {
    trust: () => {
      verdict = 'trusted';
      for (const session of held.splice(0)) keep(session);
    },
    refuse: () => {
      verdict = 'refused';
      held.length = 0;
    },
  };
}

const distrusted = new WeakSet<FTPContext>();

/** After a certificate mismatch, this FTP session keeps no TLS session to resume, now or later. */
export function forgetTlsSessions(ftp: FTPContext): void {
  distrusted.add(ftp);
  ftp.tlsSessionStore = undefined;
}

/**
 * Checks the pin on a data connection when its handshake ends, before basic-ftp writes to it
 * (its upload waits for the same event, and this listener is registered first); a mismatch
 * destroys the socket, which fails the transfer with HOST_KEY_CHANGED.
 */
export function guardDataConnection(socket: TLSSocket, pinned: string, where: string, ftp?: FTPContext): void {
  const sessions = holdSessionsUntilPinned(socket);
  const check = () => {
    try {
      assertPinned(socket, pinned, `${where} (data connection)`);
      sessions.trust();
    } catch (error) {
      sessions.refuse();
      if (ftp) forgetTlsSessions(ftp);
      socket.destroy(error as Error);
    }
  };
  socket.once('secureConnect', check);
}

const pins = new WeakMap<FTPContext, { pinned: string; where: string }>();

/** Every data connection of this FTP session must present the pinned certificate too. */
export function pinDataConnections(ftp: FTPContext, pinned: string, where: string): void {
  pins.set(ftp, { pinned, where });
  const accessor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(ftp) as object, 'dataSocket');
  if (!accessor?.get || !accessor.set) throw new Error('basic-ftp changed: FTPContext.dataSocket is no longer an accessor');
  Object.defineProperty(ftp, 'dataSocket', {
    configurable: true,
    get: () => accessor.get!.call(ftp) as Socket | undefined,
    set: (socket: Socket | undefined) => {
      if (socket instanceof TLSSocket) guardDataConnection(socket, pinned, where, ftp);
      accessor.set!.call(ftp, socket);
    },
  });
  let stored = ftp.tlsSessionStore;
  Object.defineProperty(ftp, 'tlsSessionStore', {
    configurable: true,
    get: () => stored,
    set: (session: Buffer | undefined) => {
      stored = distrusted.has(ftp) ? undefined : session;
    },
  });
}

/** For data sockets made outside basic-ftp (active mode), after their handshake: throws unless the session's pin (if any) holds. */
export function assertSessionPin(ftp: FTPContext, socket: TLSSocket): void {
  const pin = pins.get(ftp);
  if (pin) assertPinned(socket, pin.pinned, `${pin.where} (data connection)`);
}
