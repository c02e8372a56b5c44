import type { ContentStream } from '../engine/content-stream';
import type { TreeNode } from '../engine/tree';
import type { PlannedWrite, RemoteItem } from './restore-plan';

export interface WriteHooks {
  /** A file, folder or symlink is in place on the site. */
  onWritten(path: string, bytes: number): void;
  /** One entry could not be written (the rest goes on). */
  onFailed(path: string, message: string): void;
  signal?: AbortSignal;
}

/**
 * Writes to a live site, every path relative to the site's root. Implementations never
 * follow a symlink on the site: entries of the wrong type are removed before writing, files
 * are replaced (not written through), symlinks are created as links, and modes and times are
 * set on what was just written or without following a link. Whoever runs as the web server
 * can swap a file or folder for a symlink while a restore runs; see docs/security.md for
 * what each protocol can and cannot rule out.
 */
export interface SiteWriter {
  /** How the data travels, for the report ("tar over SSH", "SFTP", "FTP"). */
  readonly method: string;
  /** What this protocol can do safely on this server (asked once, before planning). */
  capabilities(): Promise<WriterCapabilities>;
  /** Removes entries; folders with everything in them. */
  remove(items: readonly RemoteItem[]): Promise<void>;
  /** Creates plain folders (parents of a partial selection), parents first. */
  makeDirs(paths: readonly string[]): Promise<void>;
  /**
   * Writes folders, files and symlinks in the order given; file contents are taken from
   * `content`, which holds exactly the planned files, in the same order. Folder modes and
   * times are set after everything inside them is written.
   */
  write(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<void>;
  /** Sets modes and mtimes of entries whose content is already right; each one that cannot be set is reported. */
  setMetadata(items: ReadonlyArray<{ path: string; node: TreeNode }>, hooks: Pick<WriteHooks, 'onFailed'>): Promise<void>;
  /** SHA-256 of files, where the server can compute them without sending the files. */
  hashFiles?(paths: readonly string[]): Promise<Map<string, string>>;
  /** Writes one small file whole (replacing what is there). */
  putFile(path: string, data: Buffer, mode: number, mtime: number): Promise<void>;
}

export interface WriterCapabilities {
  /**
   * Whether the mode and time of a file whose content is already right can be set in place
   * without following a symlink. When not, such files are uploaded again (their mode and time
   * are then set on the new upload).
   */
  setsMetadataInPlace: boolean;
  /** What this protocol cannot do safely on this server, for the preview's warnings. */
  caveats: string[];
}

/** Leftovers of an interrupted upload are named so; a later restore removes them. */
export const PART_PREFIX = '.sitevault-part-';

export function isPartFile(path: string): boolean {
  return path.slice(path.lastIndexOf('/') + 1).startsWith(PART_PREFIX);
}

/** Gathers small buffers into bigger ones, so a stream is not sent in tiny packets. */
export async function* coalesce(source: AsyncIterable<Buffer>, size = 256 * 1024): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    if (piece.length >= size && length === 0) {
      yield piece;
      continue;
    }
    parts.push(piece);
    length += piece.length;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
