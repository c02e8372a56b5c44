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
  /** A small file in one piece (cheaper than a stream), where the source can. */
  readWhole?(entry: SourceEntry): Promise<Buffer>;
  /**
   * Many files in one transfer (a tar stream over SSH), handed over one by one as they
   * arrive. Files that could not be read are reported through `onProblem`.
   */
  fetchMany?(
    entries: readonly SourceEntry[],
    onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>,
    onProblem: (warning: Warning) => void,
  ): Promise<void>;
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

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
