import { ApiError } from '../contract/errors';

/** One entry of a site's file tree, as a source lists it. Paths are relative, `/`-separated. */
export interface SourceEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777). */
  mode: number;
  /** Milliseconds since the epoch, whole. */
  mtime: number;
  size: number;
  target?: string;
}

export interface Warning {
  path: string;
  message: string;
}

/** Where a backup reads from: a local folder here; SSH, SFTP and FTP sites implement the same. */
export interface Source {
  /** For the snapshot and messages; never holds a secret. */
  readonly description: string;
  list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }>;
  /** The file's bytes. Throws SourceFileError when it vanished or cannot be read. */
  read(entry: SourceEntry): AsyncIterable<Buffer>;
  /**
   * The file's bytes from `offset` on (the rest of a read cut off with its connection). Throws
   * SourceFileError when the file is no longer the one listed (size or time changed): its first
   * part and the rest would not belong together.
   */
  readFrom?(entry: SourceEntry, offset: number): AsyncIterable<Buffer>;
  /** A small file in one piece (cheaper than a stream), where the source can. */
  readWhole?(entry: SourceEntry): Promise<Buffer>;
  /**
   * Many files in one transfer (a tar stream over SSH), handed over one by one as they
   * arrive. Files that could not be read are reported through `onProblem`.
   */
  fetchMany?(entries: readonly SourceEntry[], onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>, onProblem: (warning: Warning) => void): Promise<void>;
  close(): Promise<void>;
}

/** A file-level problem: recorded as a warning, the backup goes on. */
export class SourceFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SourceFileError';
  }
}

/**
 * The source's connection went away under an operation (not the file's fault, not the
 * server's refusal): the operation can go on over a new connection.
 */
export class ConnectionLostError extends ApiError {
  constructor(readonly doing: string) {
    super('CONNECTION_FAILED', `The connection to the site was lost while ${doing}; no snapshot was written. Run the backup again (what was uploaded is reused).`);
    this.name = 'ConnectionLostError';
  }
}

/**
 * A stream was cut and cannot go on where it stopped (a database dump is not the same bytes
 * twice): whoever reads it drops what it got and reads it again from its start.
 */
export class StreamRestartError extends Error {
  constructor(what: string) {
    super(`${what} was cut off and is read again from its start`);
    this.name = 'StreamRestartError';
  }
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
