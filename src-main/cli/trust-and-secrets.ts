import type { Location } from '../core/backends/location';
import { probeServerIdentity } from '../core/backends/trust-probe';
import type { CliOutput } from './output';
import { UsageError } from './usage';

/** A secret named by `--…-env VAR`: read from that variable, never from the command line. */
export function secretFromEnv(env: NodeJS.ProcessEnv, variable: string | undefined, flag: string): string | undefined {
  if (variable === undefined) return undefined;
  const value = env[variable];
  if (value === undefined || value === '') throw new UsageError(`${flag}: the variable ${variable} is empty or not set.`);
  return value;
}

/**
 * `--accept-new-host-key`: connect once, show what the server presents, and pin it (the SSH
 * host key, or an FTPS certificate when no CA was given). Explicit trust on first use; the
 * probe sends no login, so the password only goes to the server once it is pinned.
 */
export async function pinOnFirstUse(
  location: Location,
  pins: { hostKey: string | null; tlsFingerprint: string | null; ca: string | undefined },
  timeoutSeconds: number,
  io: CliOutput,
): Promise<{ hostKey: string | null; tlsFingerprint: string | null }> {
  if (pins.hostKey || pins.tlsFingerprint) return { hostKey: pins.hostKey, tlsFingerprint: pins.tlsFingerprint };
  const seen = await probeServerIdentity(location, timeoutSeconds);
  if (seen) io.out(`Trusting ${location.kind === 'sftp' ? 'host key' : 'certificate'} ${seen}.`);
  return {
    hostKey: location.kind === 'sftp' ? seen : null,
    tlsFingerprint: location.kind === 'ftps' && !pins.ca ? seen : null,
  };
}

/** The connection settings both `destination add` and `site add` take (JetBackup's form). */
export const CONNECTION_FLAGS = {
  url: { type: 'string', value: 'URL', help: 'sftp://user@host:port/path, ftp://… or ftps://… (explicit TLS); never with a password in it.' },
  'password-env': { type: 'string', value: 'VAR', help: 'The environment variable that holds the login password (stored in the keychain).' },
  identity: { type: 'string', value: 'FILE', help: 'An SSH private key file instead of a password.' },
  'key-passphrase-env': { type: 'string', value: 'VAR', help: 'The variable that holds the key file’s passphrase.' },
  'host-key': { type: 'string', value: 'SHA256:…', help: 'The SSH host key you confirmed with the host (it is pinned).' },
  'accept-new-host-key': { type: 'boolean', default: false, help: 'Trust the key or certificate the server shows now; check it first. No password is sent before.' },
  ca: { type: 'string', value: 'FILE', help: 'FTPS: the CA that issued the certificate (the host name is still checked).' },
  'tls-fingerprint': { type: 'string', value: 'SHA256:…', help: 'FTPS: the certificate you confirmed (it is pinned).' },
  timeout: { type: 'string', default: '30', value: 'SECONDS', help: 'Connection timeout.' },
  'max-retries': { type: 'string', default: '5', value: 'N', help: 'Retries of a failed connection or transfer (0 = unlimited).' },
  'max-connections': { type: 'string', default: '0', value: 'N', help: 'Connections at once (0 = unlimited).' },
  active: { type: 'boolean', default: false, help: 'FTP: active mode instead of passive.' },
} as const;
