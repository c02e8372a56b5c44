import { listServerFolders } from '../../backends/folder-browser';
import { parseLocation } from '../../backends/location';
import { probeServerIdentity } from '../../backends/trust-probe';
import type { HandlersOf, ServiceContext } from '../context';

/** A server before it is saved: what it presents, and its folders once confirmed. */
export function serverHandlers(_ctx: ServiceContext): HandlersOf<'server'> {
  return {
    async 'server:identify'({ url, timeoutSeconds }) {
      const location = parseLocation(url);
      const fingerprint = await probeServerIdentity(location, timeoutSeconds);
      return { kind: location.kind === 'sftp' ? 'ssh-host-key' : location.kind === 'ftps' ? 'tls-certificate' : 'none', fingerprint };
    },

    async 'server:folders'({ url, password, identityFile, hostKey, tlsFingerprint, path, timeoutSeconds }) {
      return listServerFolders(url, { password, identityFile: identityFile ?? undefined, hostKey: hostKey ?? undefined, tlsFingerprint: tlsFingerprint ?? undefined }, path, timeoutSeconds);
    },
  };
}
