/**
 * Stable error codes that cross every boundary (IPC, HTTP, CLI). Messages are for people;
 * codes are for code. A message never contains a secret.
 */
export const errorCodes = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  /** A site or destination is added under a name already saved. */
  'ALREADY_EXISTS',
  /** An edit started from settings that another process changed since. */
  'CONFLICT',
  'AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'TLS_UNTRUSTED',
  'CONNECTION_FAILED',
  'KEYCHAIN_UNAVAILABLE',
  'SETTINGS_INVALID',
  /** A shared file (settings, catalog) stayed locked by another SiteVault process for too long. */
  'LOCKED',
  'CANCELLED',
  'NO_SPACE',
  'PERMISSION_DENIED',
  'IO_ERROR',
  'TRUNCATED',
  'INTEGRITY',
  'UNSAFE_NAME',
  'UNSAFE_DATABASE_SETTINGS',
  /** A verification (read-back, check, test restore) found damage. */
  'DAMAGE_FOUND',
  /** The site's files were backed up; its database could not be dumped (the snapshot holds the files alone). */
  'DATABASE_FAILED',
  /** The backup was made; its copy to the second destination failed. */
  'COPY_FAILED',
  /** SiteVault stopped while the job was under way. */
  'INTERRUPTED',
  /** The folder a backup reads (a site's root, a local --source) does not exist or is not a folder. */
  'SOURCE_NOT_FOUND',
  /** The folder a backup reads exists but cannot be opened or listed. */
  'SOURCE_UNREADABLE',
  /** Something a server or a repository sent is beyond a bound SiteVault keeps to stay within memory. */
  'TOO_LARGE',
  /** S3: the bucket named by the destination does not exist at its endpoint. */
  'BUCKET_NOT_FOUND',
  /** S3: the bucket is in another region than the destination says. */
  'WRONG_REGION',
  /** The server refuses requests because this computer's clock is off. */
  'CLOCK_SKEW',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/**
 * What the user can do next, named rather than written: core messages state facts, and each
 * adapter (the CLI, the app) turns a hint into its own words (a flag, a button).
 */
export const hintKeys = [
  'create-repository',
  'check-site-name',
  'check-destination-name',
  'repair-index',
  'files-alone',
  'give-site-database',
  'give-old-url',
  'confirm-host-key',
  'confirm-certificate',
  'local-folder-source',
  'database-only',
  'check-source-folder',
  'check-folder-permissions',
  'accept-database-settings',
  'give-login-secret',
  'check-login',
  'check-server-reachable',
  /** S3: the service refused the keys. */
  's3-keys',
  /** S3: the bucket does not exist at the endpoint. */
  's3-bucket',
  /** S3: the bucket is in another region. */
  's3-region',
  /** S3: the service's certificate is not trusted (a self-hosted service with its own CA). */
  's3-certificate',
  /** A site of that name is saved: edit it, or add this one under another name. */
  'edit-or-rename-site',
  /** A destination of that name is saved: edit it, or add this one under another name. */
  'edit-or-rename-destination',
  /** Sites back up to the destination being removed: give them another one first. */
  'move-sites-first',
  /** Saved settings changed elsewhere since they were read: read them again and redo the change. */
  'read-again',
  /** No DNS name like the server's: a typo in its address. */
  'check-server-name',
  /** The server's machine answers, but nothing listens on that port. */
  'check-port',
  /** The port speaks SSH where FTP was asked for. */
  'choose-sftp',
  /** The port speaks FTP where SSH (SFTP) was asked for. */
  'choose-ftp',
] as const;
export type HintKey = (typeof hintKeys)[number];

/** Codes whose next step is the same whatever raised them. */
const HINT_BY_CODE: Partial<Record<string, HintKey>> = {
  TLS_UNTRUSTED: 'confirm-certificate',
  HOST_KEY_UNKNOWN: 'confirm-host-key',
  SOURCE_NOT_FOUND: 'check-source-folder',
  SOURCE_UNREADABLE: 'check-folder-permissions',
  AUTH_FAILED: 'check-login',
  CONNECTION_FAILED: 'check-server-reachable',
};

/** The next step for an error: its own hint, else the one its code always has. Each adapter words it. */
export function hintKeyOf(error: { code: string; hint?: HintKey }): HintKey | undefined {
  return error.hint ?? HINT_BY_CODE[error.code];
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  hint?: HintKey;
}

export interface ErrorOptions {
  cause?: unknown;
  hint?: HintKey;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly hint: HintKey | undefined;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.hint = options?.hint;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/** Errors whose messages are written for people (by name, so the contract imports no engine code). */
const PUBLIC_ERRORS: Readonly<Record<string, string | null>> = { BackendError: null, IntegrityError: 'INTEGRITY', UnsafeNameError: 'UNSAFE_NAME', SourceFileError: 'IO_ERROR' };

export function isHintKey(value: unknown): value is HintKey {
  return typeof value === 'string' && (hintKeys as readonly string[]).includes(value);
}

/**
 * The one way anything thrown becomes what the user is told: a known error keeps its code,
 * its message and its hint; an unknown one becomes INTERNAL with a generic message (the
 * adapter logs the real one).
 */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof ApiError) return error.toPayload();
  if (error instanceof Error && error.name in PUBLIC_ERRORS) {
    const code = PUBLIC_ERRORS[error.name] ?? (error as { code?: unknown }).code;
    const hint = (error as { hint?: unknown }).hint;
    const withHint = isHintKey(hint) ? { hint } : {};
    if (isErrorCode(code)) return { code, message: error.message, ...withHint };
    if (typeof code === 'string') return { code: 'CONNECTION_FAILED', message: error.message, ...withHint };
  }
  return { code: 'INTERNAL', message: 'An internal error occurred. See the log for details.' };
}

/** Whether an error is one the user should see as it is (not an internal fault to log). */
export function isPublicError(error: unknown): boolean {
  return toErrorPayload(error).code !== 'INTERNAL' || (error instanceof ApiError && error.code === 'INTERNAL');
}

/** The result envelope every transport uses. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorPayload };
