import { ApiError } from '../contract/errors';
import type { Client } from 'ssh2';
import { sourceNotAFolder, sourceNotFound, sourceUnreadable } from '../engine/errors';
import { ConnectionLostError, SourceFileError, type Source, type SourceEntry, type Warning } from '../engine/source';
import { execRemote, remotePathWord, shellQuote } from './ssh-exec';
import { readTar, TarLimitError, TruncatedTarError } from './tar-reader';

const TYPES: Readonly<Record<string, SourceEntry['type']>> = { f: 'file', d: 'dir', l: 'symlink' };

/** Exit statuses of the listing command when the root folder cannot be entered (find itself exits 0 or 1). */
const ROOT_MISSING = 93;
const ROOT_NOT_A_FOLDER = 94;
const ROOT_CANNOT_ENTER = 95;

/**
 * Bounds on a `find` listing, which a hostile server could make endless: one name or link
 * target is at most a few KiB on any real server, the type, mode, size and time fields a few
 * bytes, and a site of two million files and folders is already far beyond shared hosting's
 * inode limits. Two million entries of 64 KiB names would still be 128 GiB: the whole listing
 * is bounded too (a real one is about 100 bytes an entry).
 */
export const FIND_LIMITS = { maxFieldBytes: 64 * 1024, maxOtherFieldBytes: 4 * 1024, maxEntries: 2_000_000, maxTotalBytes: 512 * 1024 * 1024 };

/** Fields 4 and 5 of a record are the name and the link target; the others are short. */
const NAME_FIELDS = new Set([4, 5]);

/** The listing passed a bound: it cannot be a real site's. */
export class ListingLimitError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'ListingLimitError';
  }
}

/**
 * Parses `find -printf '%y\0%m\0%s\0%T@\0%P\0%l\0'` output as it arrives: records of six
 * NUL-terminated fields. Memory holds the entries kept and one field in progress.
 */
export class FindOutputParser {
  readonly entries: SourceEntry[] = [];
  readonly warnings: Warning[] = [];
  #fields: string[] = [];
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #records = 0;
  #totalBytes = 0;
  readonly #excludedDirs: string[] = [];

  constructor(
    private readonly exclude: (path: string, isDir: boolean) => boolean,
    private readonly limits = FIND_LIMITS,
  ) {}

  push(chunk: Buffer): void {
    this.#totalBytes += chunk.length;
    if (this.#totalBytes > this.limits.maxTotalBytes) throw new ListingLimitError(`more than ${sizeText(this.limits.maxTotalBytes)} of file names and details`);
    let start = 0;
    for (let nul = chunk.indexOf(0, start); nul >= 0; nul = chunk.indexOf(0, start)) {
      this.#grow(nul - start);
      if (this.#partial.length === 0) this.#field(chunk.toString('utf8', start, nul));
      else {
        this.#partial.push(chunk.subarray(start, nul));
        this.#field(Buffer.concat(this.#partial, this.#partialBytes).toString('utf8'));
        this.#partial = [];
      }
      this.#partialBytes = 0;
      start = nul + 1;
    }
    if (start < chunk.length) {
      this.#grow(chunk.length - start);
      this.#partial.push(chunk.subarray(start));
    }
  }

  #grow(bytes: number): void {
    this.#partialBytes += bytes;
    if (NAME_FIELDS.has(this.#fields.length)) {
      if (this.#partialBytes > this.limits.maxFieldBytes) throw new ListingLimitError(`a name or link target longer than ${sizeText(this.limits.maxFieldBytes)}`);
    } else if (this.#partialBytes > this.limits.maxOtherFieldBytes) {
      throw new ListingLimitError(`a type, mode, size or time field longer than ${sizeText(this.limits.maxOtherFieldBytes)}`);
    }
  }

  #field(text: string): void {
    this.#fields.push(text);
    if (this.#fields.length < 6) return;
    const [kind, mode, size, mtime, path, target] = this.#fields as [string, string, string, string, string, string];
    this.#fields = [];
    if (++this.#records > this.limits.maxEntries) throw new ListingLimitError(`more than ${this.limits.maxEntries.toLocaleString('en-US')} files and folders`);
    if (this.#excludedDirs.some((dir) => path.startsWith(`${dir}/`))) return;
    const type = TYPES[kind];
    if (!type) {
      this.warnings.push({ path, message: 'skipped: not a regular file, folder or symlink' });
      return;
    }
    if (this.exclude(path, type === 'dir')) {
      if (type === 'dir') this.#excludedDirs.push(path);
      return;
    }
    this.entries.push({
      path,
      type,
      mode: parseInt(mode, 8) & 0o7777,
      mtime: Math.floor(Number(mtime) * 1000),
      size: type === 'file' ? Number(size) : 0,
      ...(type === 'symlink' ? { target } : {}),
    });
  }
}

function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** Parses a whole `find -printf '%y\0%m\0%s\0%T@\0%P\0%l\0'` output. */
export function parseFindOutput(output: Buffer, exclude: (path: string, isDir: boolean) => boolean): { entries: SourceEntry[]; warnings: Warning[] } {
  const parser = new FindOutputParser(exclude);
  parser.push(output);
  return { entries: parser.entries, warnings: parser.warnings };
}

/**
 * A site reached over SSH with a shell: the whole tree is listed in one round trip with
 * `find`, and changed files arrive as one `tar` stream, not one request each.
 */
export class SshShellSource implements Source {
  constructor(
    private readonly client: Client,
    private readonly root: string,
    readonly description: string,
    private readonly exclude: (path: string, isDir: boolean) => boolean = () => false,
  ) {}

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const root = remotePathWord(this.root);
    // Why the root cannot be entered is told by exit status, not by the shell's words (which vary with its language).
    const enter = `cd -- ${root} 2>/dev/null || { if [ -d ${root} ]; then exit ${ROOT_CANNOT_ENTER}; elif [ -e ${root} ]; then exit ${ROOT_NOT_A_FOLDER}; else exit ${ROOT_MISSING}; fi; }`;
    const process = await execRemote(this.client, `${enter}; find . -mindepth 1 -printf '%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0'`);
    const parsed = new FindOutputParser(this.exclude);
    let received = 0;
    try {
      // Leaving the loop early closes the channel: an endless listing stops at the server too.
      for await (const chunk of process.stdout) {
        received += chunk.length;
        parsed.push(chunk);
      }
    } catch (error) {
      if (!(error instanceof ListingLimitError)) throw error;
      throw new ApiError(
        'TOO_LARGE',
        `The server at ${this.description} listed ${error.message} for ${this.root}; SiteVault stops there rather than run out of memory, and no snapshot was written. Exclude folders the backup does not need, or check the server.`,
      );
    }
    const [{ code }, stderr] = await Promise.all([process.exit, process.stderr]);
    if (code === null) throw this.#lost('listing its files');
    if (code === ROOT_MISSING) throw sourceNotFound(this.root, this.description);
    if (code === ROOT_NOT_A_FOLDER) throw sourceNotAFolder(this.root, this.description);
    if (code === ROOT_CANNOT_ENTER) throw sourceUnreadable(this.root, this.description, 'it cannot be opened: permission denied');
    if (code !== 0 && received === 0) {
      throw sourceUnreadable(this.root, this.description, stderr.trim().split('\n')[0] || `find exited with ${code}`);
    }
    for (const line of stderr.split('\n').filter(Boolean)) {
      const match = /find: ['‘]\.\/?(.*?)['’]: (.*)$/.exec(line);
      parsed.warnings.push({ path: match?.[1] || '/', message: `cannot list: ${match?.[2] ?? line}` });
    }
    return { entries: parsed.entries, warnings: parsed.warnings };
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    const process = await execRemote(this.client, `cat -- ${remotePathWord(this.root)}/${shellQuote(entry.path)}`);
    for await (const chunk of process.stdout) yield chunk;
    const { code } = await process.exit;
    if (code === null) throw this.#lost(`reading ${entry.path}`);
    if (code !== 0) throw new SourceFileError(entry.path, `cannot be read: ${(await process.stderr).trim().replace(/^cat: /, '') || `exit ${code}`}`);
  }

  /**
   * The rest of a file from `offset`, after a cut: `find` tells its size and time first (in
   * the listing's format), and a file that is no longer the one listed is not continued.
   */
  async *readFrom(entry: SourceEntry, offset: number): AsyncIterable<Buffer> {
    const path = shellQuote(`./${entry.path}`);
    const process = await execRemote(this.client, `cd -- ${remotePathWord(this.root)} && find ${path} -maxdepth 0 -printf '%s %T@\\n' && exec tail -c +${offset + 1} -- ${path}`);
    let head: Buffer | null = Buffer.alloc(0);
    for await (const chunk of process.stdout) {
      if (head === null) {
        yield chunk;
        continue;
      }
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(0x0a);
      if (newline < 0) {
        if (head.length > 64) throw new SourceFileError(entry.path, 'cannot be read: the server did not tell its size and time');
        continue;
      }
      const [size, mtime] = head.toString('latin1', 0, newline).split(' ');
      if (Number(size) !== entry.size || Math.floor(Number(mtime) * 1000) !== entry.mtime) {
        throw new SourceFileError(entry.path, 'changed while being read (it was different when read again after the connection was lost)');
      }
      const rest = head.subarray(newline + 1);
      head = null;
      if (rest.length > 0) yield rest;
    }
    const { code } = await process.exit;
    if (code === null) throw this.#lost(`reading ${entry.path}`);
    if (code !== 0 || head !== null) throw new SourceFileError(entry.path, `cannot be read: ${(await process.stderr).trim().replace(/^(find|tail): /, '') || `exit ${code}`}`);
  }

  async fetchMany(entries: readonly SourceEntry[], onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>, onProblem: (warning: Warning) => void): Promise<void> {
    if (entries.length === 0) return;
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const names = Buffer.from(entries.map((e) => `${e.path}\0`).join(''), 'utf8');
    // --verbatim-files-from: a name that starts with "-" is a name, not an option.
    // --hard-dereference: every name of a hard-linked file comes as the file itself; the reader
    // takes regular files only, so a link entry ('1') would leave that name out of the snapshot.
    const command = `cd -- ${remotePathWord(this.root)} && tar --null --verbatim-files-from --no-recursion --hard-dereference -T - -cf - --format=gnu`;
    const process = await execRemote(this.client, command, names);
    const seen = new Set<string>();
    try {
      await readTar(process.stdout, async (tarEntry, content) => {
        const entry = byPath.get(tarEntry.path);
        if (!entry || tarEntry.type !== 'file') return;
        seen.add(entry.path);
        await onFile(entry, content);
      });
    } catch (error) {
      if (error instanceof TruncatedTarError) throw this.#lost(`reading its files (${error.message})`);
      if (error instanceof TarLimitError) {
        throw new ApiError('TOO_LARGE', `The server at ${this.description} sent a tar stream with ${error.message}; no snapshot was written. Check the site's server: tar does not send this.`);
      }
      throw error;
    }
    const [{ code }, stderr] = await Promise.all([process.exit, process.stderr]);
    if (code === null) throw this.#lost('reading its files');
    const problems = stderr.split('\n').filter(Boolean);
    for (const entry of entries) {
      if (seen.has(entry.path)) continue;
      const said = problems.find((line) => line.includes(entry.path));
      onProblem({ path: entry.path, message: said && /No such file/.test(said) ? 'vanished during the backup' : `cannot be read: ${said?.replace(/^tar: /, '') ?? 'not sent by the server'}` });
    }
    for (const line of problems.filter((l) => /file changed as we read it/.test(l))) {
      const path = /tar: (.*): file changed as we read it/.exec(line)?.[1];
      if (path) onProblem({ path, message: 'changed while being read' });
    }
    // tar exits 2 after per-file problems too ("Cannot stat", "Cannot open"): those are
    // warnings above. Anything else it says means the stream cannot be trusted.
    const perFile = /(Cannot stat|Cannot open|Cannot read|file changed as we read it|Exiting with failure status due to previous errors)/;
    const fatal = problems.filter((line) => !perFile.test(line));
    if (code !== null && code > 1 && fatal.length > 0) throw new ApiError('IO_ERROR', `tar on the server failed (exit ${code}): ${fatal[0]}; no snapshot was written.`);
  }

  /** A command ended without an exit status: the SSH connection went away under it. */
  #lost(doing: string): ConnectionLostError {
    return new ConnectionLostError(doing);
  }

  async close(): Promise<void> {
    this.client.end();
  }
}
