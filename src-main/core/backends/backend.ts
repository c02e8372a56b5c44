/**
 * Storage for a repository: any dumb store that can hold named objects. Names are relative
 * paths such as `config`, `keys/<id>`, `data/ab/<id>`. Objects are written once, atomically:
 * a reader sees the whole object or nothing.
 */
export interface ObjectInfo {
  name: string;
  size: number;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface BackendProperties {
  /** Where the repository lives, for messages: never holds a secret. */
  location: string;
  /** Connections the backend may open at once (0 = unlimited). */
  maxConnections: number;
}

export interface Backend {
  readonly properties: BackendProperties;
  /** Every object under a folder (`data` includes its two-hex subfolders). */
  list(folder: string): Promise<ObjectInfo[]>;
  stat(name: string): Promise<ObjectInfo>;
  read(name: string, range?: ByteRange): Promise<Buffer>;
  /** Atomic and write-once: a temporary name, then a rename. */
  write(name: string, data: Buffer): Promise<void>;
  delete(name: string): Promise<void>;
  close(): Promise<void>;
}

export type BackendErrorKind = 'not-found' | 'permanent' | 'transient';

/** Every backend failure is one of three kinds: the wrappers retry only transient ones. */
export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  /** A stable code for the service API (AUTH_FAILED, HOST_KEY_CHANGED, NO_SPACE, …). */
  readonly code: string;

  constructor(kind: BackendErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendError';
    this.kind = kind;
    this.code = code;
  }
}

export function notFound(location: string, name: string): BackendError {
  return new BackendError('not-found', 'NOT_FOUND', `${name} does not exist in ${location}`);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof BackendError && error.kind === 'not-found';
}

/** Checks a repository-relative name: fixed folders, hex ids, no traversal. */
export function assertObjectName(name: string): void {
  if (!/^(config|(keys|locks|snapshots|index)\/[0-9a-f]{64}|data\/[0-9a-f]{2}\/[0-9a-f]{64})$/.test(name)) {
    throw new BackendError('permanent', 'BAD_REQUEST', `Refusing an object name outside the repository format: ${JSON.stringify(name).slice(0, 100)}`);
  }
}
