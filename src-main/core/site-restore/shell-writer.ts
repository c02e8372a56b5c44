import { randomBytes } from 'node:crypto';
import type { Client } from 'ssh2';
import { ApiError } from '../contract/errors';
import type { ContentStream } from '../engine/content-stream';
import type { TreeNode } from '../engine/tree';
import { TAR_END, tarHeader, tarPadding } from '../archive/tar-writer';
import { execRemote, remotePathWord, runRemote } from '../sites/ssh-exec';
import type { PlannedWrite, RemoteItem } from './restore-plan';
import { describeOutcome, metadataScript, mkdirScript, moveScript, parseOutcomes, removeScript, removeStagingScript, ROOT_UNUSABLE, STAGING_UNUSABLE, stagingTarCommand, type Outcome } from './shell-scripts';
import { coalesce, PART_PREFIX, type SiteWriter, type WriterCapabilities, type WriteHooks } from './site-writer';

const nulList = (paths: readonly string[]) => Buffer.from(paths.map((p) => `${p}\0`).join(''), 'utf8');

/** Entries unpacked and moved into place at once: a cut loses at most one batch of uploads. */
const BATCH_BYTES = 64 * 1024 * 1024;
const BATCH_ENTRIES = 5_000;

function batchesOf(writes: readonly PlannedWrite[]): PlannedWrite[][] {
  const batches: PlannedWrite[][] = [];
  let current: PlannedWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = write.node.type === 'file' ? write.node.size : 0;
    if (current.length > 0 && (bytes + size > BATCH_BYTES || current.length >= BATCH_ENTRIES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const isBelow = (path: string, dir: string) => path.startsWith(`${dir}/`);

/**
 * Writes to a site over SSH with a shell: files, folders and symlinks travel in one tar stream
 * per batch (one round trip, not one per file), unpacked into a private staging folder and
 * moved into place; deletions are one `rm` per folder, hashes one `sha256sum`. Nothing follows
 * a symlink the site's files may hold or get while the restore runs (see shell-scripts.ts).
 */
export class ShellSiteWriter implements SiteWriter {
  readonly method = 'tar over SSH';

  constructor(
    private readonly client: Client,
    private readonly root: string,
  ) {}

  async capabilities(): Promise<WriterCapabilities> {
    return { setsMetadataInPlace: true, caveats: [] };
  }

  #in(command: string): string {
    return `cd -- ${remotePathWord(this.root)} && ${command}`;
  }

  /** Runs a script from shell-scripts.ts; a root that cannot be entered fails the whole step. */
  async #run(script: string, what: string): Promise<Map<number, Outcome>> {
    const result = await runRemote(this.client, 'sh -s', script);
    if (result.code === null) throw new ApiError('CONNECTION_FAILED', `The connection to the site was lost while ${what}.`);
    if (result.code === ROOT_UNUSABLE) throw new ApiError('CONNECTION_FAILED', `Could not ${what}: the site's folder ${this.root} cannot be entered.`);
    return parseOutcomes(result.stdout.toString('utf8'));
  }

  async remove(items: readonly RemoteItem[]): Promise<void> {
    if (items.length === 0) return;
    const outcomes = await this.#run(
      removeScript(
        this.root,
        items.map((i) => i.path),
      ),
      'delete files on the site',
    );
    const failed = items.findIndex((_item, i) => !outcomes.get(i)?.ok);
    if (failed >= 0) throw new ApiError('CONNECTION_FAILED', `Could not delete ${items[failed]!.path} on the site: ${describeOutcome(outcomes.get(failed))}.`);
  }

  async makeDirs(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const outcomes = await this.#run(mkdirScript(this.root, paths), 'create folders on the site');
    const failed = paths.findIndex((_path, i) => !outcomes.get(i)?.ok);
    if (failed >= 0) throw new ApiError('CONNECTION_FAILED', `Could not create the folder ${paths[failed]} on the site: ${describeOutcome(outcomes.get(failed))}.`);
  }

  async write(writes: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<void> {
    // Folders the site has already get only their mode and time, at the end; symlinks go last.
    const placed = writes.filter((w) => w.reason !== 'folder times');
    const ordered = [...placed.filter((w) => w.node.type !== 'symlink'), ...placed.filter((w) => w.node.type === 'symlink')];
    const newDirs = new Set<string>();
    for (const batch of batchesOf(ordered)) {
      if (hooks.signal?.aborted) throw new ApiError('CANCELLED', 'The restore was cancelled.');
      for (const path of await this.#stageAndPlace(batch, content, hooks)) newDirs.add(path);
    }
    // Modes and times of folders after everything inside them is written, deepest first.
    const dirs = writes.filter((w) => w.node.type === 'dir' && (w.reason === 'folder times' || newDirs.has(w.path))).reverse();
    if (dirs.length === 0) return;
    const outcomes = await this.#run(
      metadataScript(
        this.root,
        dirs.map((d) => ({ path: d.path, type: 'dir', mode: d.node.mode, mtime: d.node.mtime })),
      ),
      'set the modes and times of folders',
    );
    dirs.forEach((dir, i) => {
      const outcome = outcomes.get(i);
      if (outcome?.ok) hooks.onWritten(dir.path, 0);
      else hooks.onFailed(dir.path, describeOutcome(outcome));
    });
  }

  /**
   * Unpacks one batch into a new staging folder and moves it into place. Reports each file and
   * symlink; returns the new folders now in place (reported once their mode and time are set).
   */
  async #stageAndPlace(batch: readonly PlannedWrite[], content: ContentStream, hooks: WriteHooks): Promise<string[]> {
    const staging = `${PART_PREFIX}${randomBytes(8).toString('hex')}`;
    const sent: PlannedWrite[] = [];
    const stream = coalesce(this.#tarStream(batch, content, hooks, sent));
    const process = await execRemote(this.client, stagingTarCommand(this.root, staging), stream);
    for await (const _ of process.stdout);
    const [{ code }, stderr, sending] = await Promise.all([
      process.exit,
      process.stderr,
      process.stdinSent.then(
        () => null,
        (error: unknown) => error as Error,
      ),
    ]);
    if (code === ROOT_UNUSABLE) throw new ApiError('CONNECTION_FAILED', `Could not write to the site: its folder ${this.root} cannot be entered.`);
    if (code === STAGING_UNUSABLE) {
      await this.#removeStaging(staging);
      throw new ApiError(
        'CONNECTION_FAILED',
        `Could not write to the site: the staging folder ${staging} in ${this.root} could not be made the login's own (something else was put in its place). Nothing was written.`,
      );
    }
    const problems = stderr.split('\n').filter((line) => line.trim() && !/^tar: Exiting with failure status/.test(line));
    const fatal = problems.filter((line) => !/^tar: .*: Cannot /.test(line));
    if (sending || code === null || (code !== 0 && fatal.length > 0)) {
      await this.#removeStaging(staging);
      if (sending) throw sending;
      if (code === null) throw new ApiError('CONNECTION_FAILED', 'The connection to the site was lost while its files were being sent.');
      throw new ApiError('CONNECTION_FAILED', `Unpacking on the site failed (tar exit ${code}): ${fatal[0] ?? 'no message'}`);
    }
    const unpackFailed = new Set<string>();
    for (const line of problems) {
      const match = /^tar: (.*?): (Cannot .*)$/.exec(line);
      if (match && sent.some((w) => w.path === match[1])) {
        unpackFailed.add(match[1]!);
        hooks.onFailed(match[1]!, match[2]!);
      }
    }
    const staged = sent.filter((w) => !unpackFailed.has(w.path));
    // A new folder moves with everything unpacked inside it.
    const stagedDirs = staged.filter((w) => w.node.type === 'dir').map((w) => w.path);
    const carrier = (path: string) => stagedDirs.find((dir) => isBelow(path, dir));
    const moves = staged.filter((w) => !carrier(w.path));
    const result = await runRemote(
      this.client,
      'sh -s',
      moveScript(
        this.root,
        staging,
        moves.map((m) => m.path),
      ),
    );
    if (result.code === null) throw new ApiError('CONNECTION_FAILED', 'The connection to the site was lost while its files were being put in place.');
    if (result.code === ROOT_UNUSABLE || result.code === STAGING_UNUSABLE) {
      await this.#removeStaging(staging).catch(() => {});
      throw new ApiError(
        'CONNECTION_FAILED',
        `Could not put the files in place on the site: ${result.code === ROOT_UNUSABLE ? `its folder ${this.root} cannot be entered` : `the staging folder ${staging} was changed by something else`}. Nothing of this batch was written.`,
      );
    }
    const outcomes = parseOutcomes(result.stdout.toString('utf8'));
    const movedAt = new Map(moves.map((m, i) => [m.path, outcomes.get(i)]));
    const newDirs: string[] = [];
    for (const write of staged) {
      const outcome = movedAt.get(carrier(write.path) ?? write.path);
      if (!outcome?.ok) {
        hooks.onFailed(write.path, describeOutcome(outcome));
        continue;
      }
      if (write.node.type === 'dir') newDirs.push(write.path);
      else hooks.onWritten(write.path, write.node.type === 'file' ? write.node.size : 0);
    }
    return newDirs;
  }

  async #removeStaging(staging: string): Promise<void> {
    await runRemote(this.client, 'sh -s', removeStagingScript(this.root, staging)).catch(() => {});
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
        // A new folder is the login's own (0700) until its mode is set, after its contents.
        yield tarHeader({ path, type: node.type, mode: node.type === 'dir' ? 0o700 : node.mode, mtime: node.mtime, size: 0, target: node.type === 'symlink' ? node.target : undefined });
      }
    }
    yield TAR_END;
  }

  async setMetadata(items: ReadonlyArray<{ path: string; node: TreeNode }>, hooks: Pick<WriteHooks, 'onFailed'>): Promise<void> {
    const wanted = items.filter((i): i is { path: string; node: TreeNode & { type: 'file' | 'dir' } } => i.node.type !== 'symlink');
    if (wanted.length === 0) return;
    const outcomes = await this.#run(
      metadataScript(
        this.root,
        wanted.map(({ path, node }) => ({ path, type: node.type, mode: node.mode, mtime: node.mtime })),
      ),
      'set modes and times on the site',
    );
    wanted.forEach((item, i) => {
      const outcome = outcomes.get(i);
      if (!outcome?.ok) hooks.onFailed(item.path, describeOutcome(outcome));
    });
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
