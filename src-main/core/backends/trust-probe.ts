import ssh2 from 'ssh2';
import { Client } from 'basic-ftp';
import { BackendError } from './backend';
import { classifyFtpError, startTls } from './ftp-backend';
import { peerFingerprint } from './ftp-tls';
import type { Location } from './location';
import { fingerprintOf } from './sftp-backend';
import { explainSilence, socketFailure } from './network-errors';

/**
 * What a server presents before it is trusted: the SSH host key or the TLS certificate
 * fingerprint, for the user to confirm and pin (trust on first use, explicitly). The server
 * is not yet confirmed, so it receives no secret: over SSH the connection stops in the host
 * key check, before authentication; over FTPS it stops after AUTH TLS and the handshake.
 */
export async function probeServerIdentity(location: Location, timeoutSeconds = 30): Promise<string | null> {
  if (location.kind === 'local' || location.kind === 'ftp') return null;
  if (location.kind === 'sftp') return sshHostKey(location, timeoutSeconds);
  const client = new Client(timeoutSeconds * 1000);
  const where = `ftps://${location.host}:${location.port}`;
  try {
    await client.connect(location.host, location.port);
    const socket = await startTls(client, { host: location.host, rejectUnauthorized: false }, where);
    const fingerprint = peerFingerprint(socket);
    if (!fingerprint) throw new BackendError('permanent', 'TLS_UNTRUSTED', `${where} presented no certificate.`);
    return fingerprint;
  } catch (error) {
    throw classifyFtpError(error, where, '(certificate)');
  } finally {
    client.close(); // sends QUIT
  }
}

function sshHostKey(target: { host: string; port: number; username: string }, timeoutSeconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let fingerprint: string | null = null;
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      client.end();
      if (fingerprint) return resolve(fingerprint);
      if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
        const silence = new BackendError('transient', 'CONNECTION_FAILED', `No answer from ${target.host}:${target.port} within ${timeoutSeconds} s.`);
        return void explainSilence('ssh', target, silence, timeoutSeconds).then(reject);
      }
      reject(socketFailure(error, target, timeoutSeconds) ?? new BackendError('transient', 'CONNECTION_FAILED', `Cannot reach ${target.host}:${target.port} over SSH (${error.message}).`));
    });
    client.on('ready', () => {
      // Unreachable: the verifier always refuses. Never leave a session open if it happens.
      client.end();
      reject(new Error('SSH probe reached authentication'));
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutSeconds * 1000,
      // No password, key or agent is given: nothing to send even if the refusal below failed.
      hostVerifier: (key: Buffer) => {
        fingerprint = fingerprintOf(key);
        return false;
      },
    });
  });
}
