/**
 * For the engine's unit specs: a source and a repository held in memory, and a backend
 * wrapper that fails chosen calls, so backup, restore, prune and check run in milliseconds.
 */
import { BackendError, type Backend, type ByteRange, type CallOptions, type ObjectInfo } from '../backends/backend';
import { MemoryBackend } from '../backends/memory-backend';
import { Repository } from './repository';
import { parentPath, SourceFileError, type Source, type SourceEntry, type Warning } from './source';

export const TEST_PASSPHRASE = 'unit test passphrase';
const BASE_MTIME = Date.UTC(2024, 0, 1);

export type MemoryFile = { content: string | Buffer; mode?: number; mtime?: number } | { target: string; mtime?: number } | { unreadable: string };

/** A site in memory. Folders are implied by the paths; every read is recorded in `reads`. */
export class MemorySource implements Source {
  readonly description = 'memory site';
  readonly reads: string[] = [];
  readonly #files = new Map<string, MemoryFile>();
  #edits = 0;

  constructor(files: Record<string, MemoryFile | string | Buffer> = {}) {
    for (const [path, file] of Object.entries(files)) this.set(path, file);
  }

  /** Adds or replaces a file; a new mtime unless given, as an edit on a server would. */
  set(path: string, file: MemoryFile | string | Buffer): void {
    const given = typeof file === 'string' || Buffer.isBuffer(file) ? { content: file } : file;
    const mtime = 'mtime' in given && given.mtime !== undefined ? given.mtime : this.#files.has(path) ? BASE_MTIME + 1000 * ++this.#edits : BASE_MTIME;
    this.#files.set(path, { ...given, mtime } as MemoryFile);
  }

  remove(path: string): void {
    this.#files.delete(path);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    const dirs = new Set<string>();
    const entries: SourceEntry[] = [];
    for (const [path, file] of this.#files) {
      for (let dir = parentPath(path); dir !== '' && !dirs.has(dir); dir = parentPath(dir)) dirs.add(dir);
      const mtime = ('mtime' in file && file.mtime) || BASE_MTIME;
      if ('target' in file) entries.push({ path, type: 'symlink', mode: 0o777, mtime, size: 0, target: file.target });
      else if ('unreadable' in file) entries.push({ path, type: 'file', mode: 0o644, mtime, size: 1 });
      else entries.push({ path, type: 'file', mode: file.mode ?? 0o644, mtime, size: Buffer.byteLength(file.content) });
    }
    for (const dir of dirs) entries.push({ path: dir, type: 'dir', mode: 0o755, mtime: BASE_MTIME, size: 0 });
    return { entries, warnings: [] };
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    this.reads.push(entry.path);
    const file = this.#files.get(entry.path);
    if (!file) throw new SourceFileError(entry.path, 'vanished during the backup');
    if ('unreadable' in file) throw new SourceFileError(entry.path, file.unreadable);
    if ('target' in file) throw new Error(`${entry.path} is a symlink`);
    yield Buffer.from(file.content);
  }

  async close(): Promise<void> {}
}

type Operation = 'list' | 'stat' | 'read' | 'write' | 'delete';

/** Passes calls to `inner`, records them, and fails those `fault` returns an error for. */
export class FaultyBackend implements Backend {
  readonly calls: Array<{ op: Operation; name: string }> = [];
  fault: (op: Operation, name: string) => BackendError | null = () => null;

  constructor(readonly inner: Backend) {}

  get properties() {
    return this.inner.properties;
  }

  #call<T>(op: Operation, name: string, work: () => Promise<T>): Promise<T> {
    this.calls.push({ op, name });
    const error = this.fault(op, name);
    return error ? Promise.reject(error) : work();
  }

  count(op: Operation, prefix = ''): number {
    return this.calls.filter((c) => c.op === op && c.name.startsWith(prefix)).length;
  }

  list(folder: string, options?: CallOptions): Promise<ObjectInfo[]> {
    return this.#call('list', folder, () => this.inner.list(folder, options));
  }
  stat(name: string, options?: CallOptions): Promise<ObjectInfo> {
    return this.#call('stat', name, () => this.inner.stat(name, options));
  }
  read(name: string, range?: ByteRange, options?: CallOptions): Promise<Buffer> {
    return this.#call('read', name, () => this.inner.read(name, range, options));
  }
  write(name: string, data: Buffer, options?: CallOptions): Promise<void> {
    return this.#call('write', name, () => this.inner.write(name, data, options));
  }
  delete(name: string, options?: CallOptions): Promise<void> {
    return this.#call('delete', name, () => this.inner.delete(name, options));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function transientFailure(what = 'the connection was reset'): BackendError {
  return new BackendError('transient', 'CONNECTION_FAILED', what);
}

/** A new repository in memory (scrypt runs once per call: create one per describe block). */
export function memoryRepository(backend: Backend = new MemoryBackend()): Promise<Repository> {
  return Repository.init(backend, TEST_PASSPHRASE);
}
