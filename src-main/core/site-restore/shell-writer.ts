import type { Client } from 'ssh2';
import { ApiError } from '../contract/errors';
import type { ContentStream } from '../engine/content-stream';
import type { TreeNode } from '../engine/tree';
import { TAR_END, tarHeader, tarPadding } from '../archive/tar-writer';
import { execRemote, remotePathWord, runRemote, shellQuote } from '../sites/ssh-exec';
import type { PlannedWrite, RemoteItem } from './restore-plan';
import { coalesce, type SiteWriter, type WriteHooks } from './site-writer';

const nulList = (paths: readonly string[]) => Buffer.from(paths.map((p) => `${p}\0`).join(''), 'utf8');

/**
 * Writes to a site over SSH with a shell: every file, folder and symlink travels in one tar
 * stream that GNU tar unpacks on the server (one round trip, not one per file); deletions are
 * one `rm`, hashes one `sha256sum`. Paths go on stdin, never into a command line.
 */
export class ShellSiteWriter implements SiteWriter {
  readonly method = 'tar over SSH';

  constructor(
    private readonly client: Client,
    private readonly root: string,
  ) {}

  #in(command: string): string {
    return `cd -- ${remotePathWord(this.root)} && ${command}`;
  }

  async #batch(command: string, paths: readonly string[], what: string): Promise<void> {
    if (paths.length === 0) return;
    const result = await runRemote(this.client, this.#in(`xargs -0 ${command} --`), nulList(paths));
    if (result.code !== 0) throw new ApiError('CONNECTION_FAILED', `Could not ${what} on the site: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`}`);
  }

  remove(items: readonly RemoteItem[]): Promise<void> {
    // rm never follows symlinks; every path is relative to the root.
    return this.#batch('rm -rf', items.map((i) => i.path), 'delete files');
  }

  makeDirs(paths: readonly string[]): Promise<void> {
    return this.#batch('mkdir -p', paths, 'create folders');
  }

  async write(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<void> {
    // Symlinks last, so no later entry can be written through one.
    const ordered = [...writes.filter((w) => w.node.type !== 'symlink'), ...writes.filter((w) => w.node.type === 'symlink')];
    const sent: PlannedWrite[] = [];
    const stream = coalesce(this.#tarStream(ordered, content, hooks, sent));
    // -p: modes as given (no umask); folders get their modes and times after their contents.
    const process = await execRemote(this.client, this.#in('exec tar -x -v -p -f - --no-same-owner --delay-directory-restore'), stream);
    let started = 0;
    for await (const chunk of process.stdout) for (const byte of chunk) if (byte === 0x0a) started++;
    const [{ code }, stderr, sending] = await Promise.all([process.exit, process.stderr, process.stdinSent.then(() => null, (error: unknown) => error as Error)]);
    const problems = stderr.split('\n').filter((line) => line.trim() && !/^tar: Exiting with failure status/.test(line));
    const failedPaths = new Set<string>();
    for (const line of problems) {
      const match = /^tar: (.*?): (Cannot .*)$/.exec(line);
      const path = match && sent.find((w) => w.path === match[1]) ? match[1]! : null;
      if (path) {
        failedPaths.add(path);
        hooks.onFailed(path, match![2]!);
      }
    }
    const complete = !sending && code === 0;
    // tar names a member when it starts on it: all but the last one named are complete.
    const confirmed = complete ? sent.length : Math.max(0, started - 1);
    for (const w of sent.slice(0, confirmed)) if (!failedPaths.has(w.path)) hooks.onWritten(w.path, w.node.type === 'file' ? w.node.size : 0);
    if (sending) throw sending;
    const fatal = problems.filter((line) => !/^tar: .*: Cannot /.test(line));
    if (code !== 0 && (fatal.length > 0 || failedPaths.size === 0)) {
      throw new ApiError('CONNECTION_FAILED', `Unpacking on the site failed (tar exit ${code}): ${fatal[0] ?? problems[0] ?? 'no message'}`);
    }
  }

  async *#tarStream(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks, sent: PlannedWrite[]): AsyncGenerator<Buffer> {
    for (const write of writes) {
      if (hooks.signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
      const { path, node } = write;
      if (node.type === 'file') {
        if (node.content.length <= 1) {
          // One blob: read before the header goes out, so a damaged file can be skipped.
          const got = await content.whole(node);
          if ('error' in got) {
            hooks.onFailed(path, `cannot be read from the repository: ${got.error.message}`);
            continue;
          }
          if (got.data.length !== node.size) {
            hooks.onFailed(path, `the repository holds ${got.data.length} bytes where the snapshot says ${node.size}`);
            continue;
          }
          sent.push(write);
          yield tarHeader({ path, type: 'file', mode: node.mode, mtime: node.mtime, size: node.size });
          yield got.data;
          yield tarPadding(node.size);
          continue;
        }
        sent.push(write);
        yield tarHeader({ path, type: 'file', mode: node.mode, mtime: node.mtime, size: node.size });
        let size = 0;
        for await (const piece of content.file(node)) {
          size += piece.length;
          yield piece;
        }
        if (size !== node.size) throw new ApiError('INTERNAL', `${path}: the repository holds ${size} bytes where the snapshot says ${node.size}`);
        yield tarPadding(size);
      } else {
        sent.push(write);
        yield tarHeader({ path, type: node.type, mode: node.mode, mtime: node.mtime, size: 0, target: node.type === 'symlink' ? node.target : undefined });
      }
    }
    yield TAR_END;
  }

  async setMetadata(items: ReadonlyArray<{ path: string; node: TreeNode }>): Promise<void> {
    const lines = items
      .filter((i) => i.node.type !== 'symlink')
      .map(({ path, node }) => `chmod ${(node.mode & 0o7777).toString(8)} -- ${shellQuote(path)} && touch -m -d @${Math.floor(node.mtime / 1000)} -- ${shellQuote(path)} || failed=1`);
    if (lines.length === 0) return;
    const script = `cd -- ${remotePathWord(this.root)} || exit 1\nfailed=0\n${lines.join('\n')}\nexit $failed\n`;
    const result = await runRemote(this.client, 'sh -s', script);
    if (result.code !== 0) throw new ApiError('CONNECTION_FAILED', `Could not set modes and times on the site: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`}`);
  }

  async hashFiles(paths: readonly string[]): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    if (paths.length === 0) return hashes;
    const result = await runRemote(this.client, this.#in('xargs -0 sha256sum -z --'), nulList(paths));
    for (const record of result.stdout.toString('utf8').split('\0')) {
      const match = /^\\?([0-9a-f]{64}) [ *](.*)$/s.exec(record);
      if (match) hashes.set(match[2]!, match[1]!);
    }
    return hashes;
  }

  async putFile(path: string, data: Buffer, mode: number, mtime: number): Promise<void> {
    const failures: string[] = [];
    const stream = (async function* () {
      yield tarHeader({ path, type: 'file', mode, mtime, size: data.length });
      yield data;
      yield tarPadding(data.length);
      yield TAR_END;
    })();
    const process = await execRemote(this.client, this.#in('exec tar -x -p -f - --no-same-owner'), stream);
    for await (const _ of process.stdout);
    const [{ code }, stderr] = await Promise.all([process.exit, process.stderr, process.stdinSent]);
    if (code !== 0) failures.push(stderr.trim().split('\n')[0] ?? `exit ${code}`);
    if (failures.length > 0) throw new ApiError('CONNECTION_FAILED', `Could not write ${path} on the site: ${failures[0]}`);
  }
}
