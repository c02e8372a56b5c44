import { listServerFolders } from '../../backends/folder-browser';
import { parseLocation } from '../../backends/location';
import { probeServerIdentity } from '../../backends/trust-probe';
import { BackendError } from '../../backends/backend';
import { checkSpeaks } from '../../backends/network-errors';
import { trustedBy } from '../../backends/known-servers';
import type { HandlersOf, ServiceContext } from '../context';

/** A server before it is saved: what it presents, and its folders once confirmed. */
export function serverHandlers(ctx: ServiceContext): HandlersOf<'server'> {
  return {
    async 'server:identify'({ url, timeoutSeconds }) {
      const location = parseLocation(url);
      if (location.kind !== 'local') {
        // The first contact with a server not saved yet: its first line says at once whether it
        // answers, and in the protocol chosen, before a client waits out its timeout.
        const spoken = await checkSpeaks(location.kind === 'sftp' ? 'ssh' : 'ftp', location, timeoutSeconds);
        // Plain FTP has nothing to confirm: its greeting is the proof that it answers.
        if (location.kind === 'ftp' && spoken !== 'ftp') {
          throw new BackendError('transient', 'CONNECTION_FAILED', `${location.host}:${location.port} did not greet as an FTP server within ${timeoutSeconds} s.`);
        }
      }
      const fingerprint = await probeServerIdentity(location, timeoutSeconds);
      const saved = [...ctx.sites.list().map((s) => ({ kind: 'site' as const, ...s })), ...ctx.destinations.list().map((d) => ({ kind: 'destination' as const, ...d }))];
      return { kind: location.kind === 'sftp' ? 'ssh-host-key' : location.kind === 'ftps' ? 'tls-certificate' : 'none', fingerprint, trustedBy: trustedBy(url, fingerprint, saved) };
    },

    async 'server:folders'({ url, password, identityFile, hostKey, tlsFingerprint, path, timeoutSeconds }) {
      return listServerFolders(url, { password, identityFile: identityFile ?? undefined, hostKey: hostKey ?? undefined, tlsFingerprint: tlsFingerprint ?? undefined }, path, timeoutSeconds);
    },
  };
}
