/** How to reach and trust a server. Secrets stay in memory only. */
export interface ConnectionSecrets {
  /** The login password; for S3, the secret access key. */
  password?: string;
  identityFile?: string;
  keyPassphrase?: string;
  /** Pinned SSH host key, `SHA256:…`. */
  hostKey?: string;
  /** Trust whatever key the server shows this once (the user confirmed it). */
  acceptNewHostKey?: boolean;
  /** FTPS and S3 over https: a CA (or the self-signed certificate itself) to validate against. */
  caFile?: string;
  /** FTPS: pinned certificate, `SHA256:` + base64 of the DER digest. */
  tlsFingerprint?: string;
}

export interface ConnectionSettings {
  /** Seconds (JetBackup default 30). */
  timeoutSeconds: number;
  /** 0 = unlimited. */
  maxRetries: number;
  /** 0 = unlimited. */
  maxConnections: number;
  /** FTP: passive (default) or active mode. */
  passive: boolean;
}

export const DEFAULT_CONNECTION: ConnectionSettings = { timeoutSeconds: 30, maxRetries: 5, maxConnections: 0, passive: true };

export function sha256Fingerprint(bytes: Buffer, createHash: (alg: string) => { update(b: Buffer): { digest(enc: 'base64'): string } }): string {
  return `SHA256:${createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '')}`;
}
