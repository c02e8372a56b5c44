import { ApiError } from '../contract/errors';
import type { Client } from 'ssh2';
import { SourceFileError, type Source, type SourceEntry, type Warning } from '../engine/source';
import { execRemote, remotePathWord, runRemote, shellQuote } from './ssh-exec';
import { readTar, TruncatedTarError } from './tar-reader';

const TYPES: Readonly<Record<string, SourceEntry['type']>> = { f: 'file', d: 'dir', l: 'symlink' };

/** Parses `find -printf '%y\0%m\0%s\0%T@\0%P\0%l\0'` output. */
export function parseFindOutput(output: Buffer, exclude: (path: string, isDir: boolean) => boolean): { entries: SourceEntry[]; warnings: Warning[] } {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < output.length; i++) {
    if (output[i] === 0) {
      fields.push(output.subarray(start, i).toString('utf8'));
      start = i + 1;
    }
  }
  const entries: SourceEntry[] = [];
  const warnings: Warning[] = [];
  const excludedDirs: string[] = [];
  for (let i = 0; i + 5 < fields.length; i += 6) {
    const [kind, mode, size, mtime, path, target] = fields.slice(i, i + 6) as [string, string, string, string, string, string];
    if (excludedDirs.some((dir) => path.startsWith(`${dir}/`))) continue;
    const type = TYPES[kind];
    if (!type) {
      warnings.push({ path, message: 'skipped: not a regular file, folder or symlink' });
      continue;
    }
    if (exclude(path, type === 'dir')) {
      if (type === 'dir') excludedDirs.push(path);
      continue;
    }
    entries.push({
      path,
      type,
      mode: parseInt(mode, 8) & 0o7777,
      mtime: Math.floor(Number(mtime) * 1000),
      size: type === 'file' ? Number(size) : 0,
      ...(type === 'symlink' ? { target } : {}),
    });
  }
  return { entries, warnings };
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
    const command = `cd -- ${remotePathWord(this.root)} && find . -mindepth 1 -printf '%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0'`;
    const result = await runRemote(this.client, command);
    if (result.code === null) throw this.#lost('listing its files');
    if (result.code !== 0 && result.stdout.length === 0) {
      throw new SourceFileError('/', `Cannot list ${this.root} on the server: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`}`);
    }
    const parsed = parseFindOutput(result.stdout, this.exclude);
    for (const line of result.stderr.split('\n').filter(Boolean)) {
      const match = /find: ['‘]\.\/?(.*?)['’]: (.*)$/.exec(line);
      parsed.warnings.push({ path: match?.[1] || '/', message: `cannot list: ${match?.[2] ?? line}` });
    }
    return parsed;
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    const process = await execRemote(this.client, `cat -- ${remotePathWord(this.root)}/${shellQuote(entry.path)}`);
    for await (const chunk of process.stdout) yield chunk;
    const { code } = await process.exit;
    if (code === null) throw this.#lost(`reading ${entry.path}`);
    if (code !== 0) throw new SourceFileError(entry.path, `cannot be read: ${(await process.stderr).trim().replace(/^cat: /, '') || `exit ${code}`}`);
  }

  async fetchMany(
    entries: readonly SourceEntry[],
    onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>,
    onProblem: (warning: Warning) => void,
  ): Promise<void> {
    if (entries.length === 0) return;
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const names = Buffer.from(entries.map((e) => `${e.path}\0`).join(''), 'utf8');
    // --verbatim-files-from: a name that starts with "-" is a name, not an option.
    const command = `cd -- ${remotePathWord(this.root)} && tar --null --verbatim-files-from --no-recursion -T - -cf - --format=gnu`;
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
    if (code !== null && code > 1 && fatal.length > 0) throw new Error(`tar on the server failed (exit ${code}): ${fatal[0]}`);
  }

  /** A command ended without an exit status: the SSH connection went away under it. */
  #lost(doing: string): ApiError {
    return new ApiError('CONNECTION_FAILED', `The connection to the site was lost while ${doing}; no snapshot was written. Run the backup again (what was uploaded is reused).`);
  }

  async close(): Promise<void> {
    this.client.end();
  }
}
