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
  /** The pack size that suits this store (object storage bills per request); absent: the engine's default. */
  packTargetBytes?: number;
  /** Reads cost a request each: keep a local copy of what never changes (snapshot and index files, tree packs). */
  cacheMetadata?: boolean;
}

/**
 * Per call: a cancelled job's signal ends a retry's backoff at once (CANCELLED) and starts
 * no new attempt. Backends themselves may ignore it; the wrappers act on it.
 */
export interface CallOptions {
  signal?: AbortSignal;
  /** false: one attempt, no retries (clean-up after a cancel must not wait out backoffs). */
  retry?: boolean;
}

export interface Backend {
  readonly properties: BackendProperties;
  /** Every object under a folder (`data` includes its two-hex subfolders). */
  list(folder: string, options?: CallOptions): Promise<ObjectInfo[]>;
  stat(name: string, options?: CallOptions): Promise<ObjectInfo>;
  read(name: string, range?: ByteRange, options?: CallOptions): Promise<Buffer>;
  /** Atomic and write-once: a temporary name, then a rename. */
  write(name: string, data: Buffer, options?: CallOptions): Promise<void>;
  delete(name: string, options?: CallOptions): Promise<void>;
  close(): Promise<void>;
}

export type BackendErrorKind = 'not-found' | 'permanent' | 'transient';

/** Every backend failure is one of three kinds: the wrappers retry only transient ones. */
export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  /** A stable code for the service API (AUTH_FAILED, HOST_KEY_CHANGED, NO_SPACE, …). */
  readonly code: string;
  /** What the user can do next (each adapter words it); see HintKey in the contract. */
  readonly hint: string | undefined;

  constructor(kind: BackendErrorKind, code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.kind = kind;
    this.code = code;
    this.hint = options?.hint;
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
