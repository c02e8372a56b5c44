import { parseLocation } from './location';

/** A saved site or destination, as far as its server's pin goes. */
export interface PinnedServer {
  kind: 'site' | 'destination';
  name: string;
  url: string;
  hostKey: string | null;
  tlsFingerprint: string | null;
}

/**
 * The saved sites and destinations that already trust what a server presented: the same host
 * and port, and the same host key (SSH) or certificate (FTPS). The user confirmed it for them,
 * so a new site on that server is not asked about it again.
 */
export function trustedBy(url: string, fingerprint: string | null, saved: readonly PinnedServer[]): Array<{ kind: 'site' | 'destination'; name: string }> {
  if (!fingerprint) return [];
  const target = parseLocation(url);
  if (target.kind === 'local' || target.kind === 'ftp') return [];
  const pinOf = (server: PinnedServer) => (target.kind === 'sftp' ? server.hostKey : server.tlsFingerprint);
  return saved
    .filter((server) => {
      if (pinOf(server) !== fingerprint) return false;
      let other;
      try {
        other = parseLocation(server.url);
      } catch {
        return false;
      }
      return other.kind === target.kind && other.host.toLowerCase() === target.host.toLowerCase() && other.port === target.port;
    })
    .map(({ kind, name }) => ({ kind, name }));
}
