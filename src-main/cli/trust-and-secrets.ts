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
 * host key, or an FTPS certificate when no CA was given). Explicit trust on first use.
 */
export async function pinOnFirstUse(
  location: Location,
  pins: { hostKey: string | null; tlsFingerprint: string | null; ca: string | undefined },
  login: { password?: string; identityFile?: string; keyPassphrase?: string },
  timeoutSeconds: number,
  io: CliOutput,
): Promise<{ hostKey: string | null; tlsFingerprint: string | null }> {
  if (pins.hostKey || pins.tlsFingerprint) return { hostKey: pins.hostKey, tlsFingerprint: pins.tlsFingerprint };
  const seen = await probeServerIdentity(location, login, timeoutSeconds);
  if (seen) io.out(`Trusting ${location.kind === 'sftp' ? 'host key' : 'certificate'} ${seen}.`);
  return {
    hostKey: location.kind === 'sftp' ? seen : null,
    tlsFingerprint: location.kind === 'ftps' && !pins.ca ? seen : null,
  };
}

/** The connection settings both `destination add` and `site add` take (JetBackup's form). */
export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  'password-env': { type: 'string' },
  identity: { type: 'string' },
  'key-passphrase-env': { type: 'string' },
  'host-key': { type: 'string' },
  'accept-new-host-key': { type: 'boolean', default: false },
  ca: { type: 'string' },
  'tls-fingerprint': { type: 'string' },
  timeout: { type: 'string', default: '30' },
  'max-retries': { type: 'string', default: '5' },
  'max-connections': { type: 'string', default: '0' },
  active: { type: 'boolean', default: false },
} as const;
