import { connect } from 'node:net';
import { BackendError } from './backend';

export interface Endpoint {
  host: string;
  port: number;
}

/** The protocol a server's first line names: SSH (`SSH-2.0-…`) or FTP (`220 …`). */
export type Spoken = 'ssh' | 'ftp';

/**
 * A failure to open a TCP connection, in words: which server or port, and what happened.
 * Null when the error is not one of these (a protocol's own error is classified by its client).
 */
export function socketFailure(error: unknown, target: Endpoint, timeoutSeconds: number): BackendError | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'ENOTFOUND':
      return new BackendError('permanent', 'CONNECTION_FAILED', `No server named ${target.host} was found.`, { hint: 'check-server-name' });
    case 'EAI_AGAIN':
      return new BackendError('transient', 'CONNECTION_FAILED', `The name ${target.host} could not be looked up now (no answer from the name service).`);
    case 'ECONNREFUSED':
      return new BackendError('transient', 'CONNECTION_FAILED', `Nothing answers on port ${target.port} of ${target.host}.`, { hint: 'check-port' });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new BackendError('transient', 'CONNECTION_FAILED', `${target.host} cannot be reached from this computer (no network route to it).`);
    case 'ECONNRESET':
      return new BackendError('transient', 'CONNECTION_FAILED', `${where} closed the connection.`);
    case 'ETIMEDOUT':
      return new BackendError('transient', 'CONNECTION_FAILED', `No answer from ${where} within ${timeoutSeconds} s.`);
    default:
      return null;
  }
}

/** The first line a server sends: enough to know the protocol, bounded in size and time. */
export function sniffBanner(target: Endpoint, timeoutMs: number): Promise<{ spoken: Spoken | null; error: unknown }> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: target.host, port: target.port });
    const done = (spoken: Spoken | null, error: unknown = null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ spoken, error });
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (/^SSH-\d/.test(text)) return done('ssh');
      if (/^220[ -]/.test(text)) return done('ftp');
      if (text.includes('\n') || text.length > 512) done(null);
    });
    socket.on('error', (error) => done(null, error));
    socket.on('close', () => done(null));
  });
}

/** The refusal for a port that speaks another protocol than asked for. */
export function wrongProtocol(expected: Spoken, spoken: Spoken, target: Endpoint): BackendError {
  const name = (p: Spoken) => (p === 'ssh' ? 'SSH' : 'FTP');
  return new BackendError('permanent', 'CONNECTION_FAILED', `Port ${target.port} of ${target.host} speaks ${name(spoken)}, not ${name(expected)}.`, {
    hint: spoken === 'ssh' ? 'choose-sftp' : 'choose-ftp',
  });
}

/**
 * Before the first contact with a server not saved yet (the wizard): a server that cannot be
 * reached, or that speaks another protocol, is told at once and in words, rather than after a
 * protocol client's full timeout.
 */
export async function checkSpeaks(expected: Spoken, target: Endpoint, timeoutSeconds: number): Promise<Spoken | null> {
  const { spoken, error } = await sniffBanner(target, timeoutSeconds * 1000);
  if (error) {
    const failure = socketFailure(error, target, timeoutSeconds);
    if (failure) throw failure;
  }
  if (spoken && spoken !== expected) throw wrongProtocol(expected, spoken, target);
  return spoken;
}

/**
 * After a protocol client gave up without a reason (a timeout, a lost handshake): the port may
 * speak another protocol, which its first line tells within moments.
 */
export async function explainSilence(expected: Spoken, target: Endpoint, fallback: BackendError, timeoutSeconds: number, pinned = false): Promise<BackendError> {
  // A server sends its first line at once: a few seconds are plenty, and a black hole costs no more.
  const { spoken } = await sniffBanner(target, Math.min(5, timeoutSeconds) * 1000);
  if (!spoken || spoken === expected) return fallback;
  // A server whose key or certificate was confirmed does not change protocol by itself: a
  // suggestion to switch (to plain FTP) would be what someone in the middle wants.
  if (pinned) {
    return new BackendError(
      'permanent',
      'CONNECTION_FAILED',
      `Port ${target.port} of ${target.host} now answers as an ${spoken === 'ssh' ? 'SSH' : 'FTP'} server, though SiteVault confirmed its ${expected === 'ssh' ? 'SSH host key' : 'certificate'} before. The connection may be intercepted, or the host changed its setup: ask the host before changing anything.`,
    );
  }
  return wrongProtocol(expected, spoken, target);
}
