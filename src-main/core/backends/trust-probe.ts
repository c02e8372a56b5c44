import type { TLSSocket } from 'node:tls';
import { Client } from 'basic-ftp';
import { BackendError } from './backend';
import type { ConnectionSecrets } from './connection';
import { certificateFingerprint } from './ftp-backend';
import type { Location } from './location';
import { connectSsh } from './sftp-backend';

/**
 * What a server presents before it is trusted: the SSH host key or the TLS certificate
 * fingerprint, for the user to confirm and pin (trust on first use, explicitly).
 */
export async function probeServerIdentity(location: Location, secrets: ConnectionSecrets, timeoutSeconds = 30): Promise<string | null> {
  if (location.kind === 'local' || location.kind === 'ftp') return null;
  if (location.kind === 'sftp') {
    const { client, fingerprint } = await connectSsh(location, { ...secrets, hostKey: undefined, acceptNewHostKey: true }, { timeoutSeconds });
    client.end();
    return fingerprint;
  }
  const client = new Client(timeoutSeconds * 1000);
  try {
    await client.access({ host: location.host, port: location.port, user: location.username, password: secrets.password ?? '', secure: true, secureOptions: { rejectUnauthorized: false } });
    const socket = client.ftp.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function') throw new BackendError('permanent', 'TLS_UNTRUSTED', 'The server did not switch to TLS.');
    return certificateFingerprint(socket.getPeerCertificate().raw);
  } finally {
    client.close();
  }
}
