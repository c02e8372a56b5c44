/**
 * Stable error codes that cross every boundary (IPC, HTTP, CLI). Messages are for people;
 * codes are for code. A message never contains a secret.
 */
export const errorCodes = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'TLS_UNTRUSTED',
  'CONNECTION_FAILED',
  'KEYCHAIN_UNAVAILABLE',
  'SETTINGS_INVALID',
  'CANCELLED',
  'NO_SPACE',
  'PERMISSION_DENIED',
  'IO_ERROR',
  'TRUNCATED',
  'INTEGRITY',
  'UNSAFE_NAME',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/** Anything thrown becomes a payload; unknown errors keep a generic message. */
/** Errors whose messages are written for people (by name, so the contract imports no engine code). */
const PUBLIC_ERRORS: Readonly<Record<string, string | null>> = { BackendError: null, IntegrityError: 'INTEGRITY', UnsafeNameError: 'UNSAFE_NAME' };

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof ApiError) return error.toPayload();
  if (error instanceof Error && error.name in PUBLIC_ERRORS) {
    const code = PUBLIC_ERRORS[error.name] ?? (error as { code?: unknown }).code;
    if (isErrorCode(code)) return { code, message: error.message };
    if (typeof code === 'string') return { code: 'CONNECTION_FAILED', message: error.message };
  }
  return { code: 'INTERNAL', message: 'An internal error occurred. See the log for details.' };
}

/** Whether an error is one the user should see as it is (not an internal fault to log). */
export function isPublicError(error: unknown): boolean {
  return toErrorPayload(error).code !== 'INTERNAL' || (error instanceof ApiError && error.code === 'INTERNAL');
}

/** The result envelope every transport uses. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorPayload };
