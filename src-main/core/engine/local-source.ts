import { createReadStream, readFileSync } from 'node:fs';
import { lstat, opendir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceNotAFolder, sourceNotFound, sourceUnreadable } from './errors';
import { SourceFileError, type Source, type SourceEntry, type Warning } from './source';

const LIST_CONCURRENCY = 32;
const SYNC_READ_LIMIT = 1024 * 1024;

/** A local folder as a backup source. Symlinks are recorded, never followed. */
export class LocalSource implements Source {
  readonly description: string;

  constructor(
    private readonly root: string,
    private readonly exclude: (path: string, isDir: boolean) => boolean = () => false,
  ) {
    this.description = root;
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    await this.#checkRoot();
    const entries: SourceEntry[] = [];
    const warnings: Warning[] = [];
    const queue: string[] = [''];
    let active = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (active < LIST_CONCURRENCY && queue.length > 0) {
          const dir = queue.shift()!;
          active++;
          void this.#listDir(dir, entries, warnings, queue).finally(() => {
            active--;
            if (queue.length === 0 && active === 0) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    return { entries, warnings };
  }

  /** A root that is missing, not a folder or unreadable fails the backup; it is never an empty snapshot. */
  async #checkRoot(): Promise<void> {
    let info;
    try {
      info = await lstat(this.root);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw sourceNotFound(this.root, null);
      if (code === 'ENOTDIR') throw sourceNotFound(this.root, null, 'a part of the path is a file');
      throw sourceUnreadable(this.root, null, code ?? (error as Error).message);
    }
    if (!info.isDirectory()) throw sourceNotAFolder(this.root, null);
    try {
      await (await opendir(this.root)).close();
    } catch (error) {
      throw sourceUnreadable(this.root, null, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }

  async #listDir(dir: string, entries: SourceEntry[], warnings: Warning[], queue: string[]): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(join(this.root, dir))).sort();
    } catch (error) {
      warnings.push({ path: dir || '/', message: `cannot list folder: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return;
    }
    await Promise.all(
      names.map(async (name) => {
        const path = dir ? `${dir}/${name}` : name;
        try {
          const info = await lstat(join(this.root, path));
          const common = { path, mode: info.mode & 0o7777, mtime: Math.floor(info.mtimeMs) };
          if (info.isDirectory()) {
            if (this.exclude(path, true)) return;
            entries.push({ ...common, type: 'dir', size: 0 });
            queue.push(path);
          } else if (this.exclude(path, false)) {
            return;
          } else if (info.isFile()) {
            entries.push({ ...common, type: 'file', size: info.size });
          } else if (info.isSymbolicLink()) {
            entries.push({ ...common, type: 'symlink', size: 0, target: await readlink(join(this.root, path)) });
          } else {
            warnings.push({ path, message: 'skipped: not a regular file, folder or symlink' });
          }
        } catch (error) {
          warnings.push({ path, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
        }
      }),
    );
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    const stream = createReadStream(join(this.root, entry.path), { highWaterMark: 1024 * 1024 });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SourceFileError(entry.path, code === 'ENOENT' ? 'vanished during the backup' : `cannot be read (${code ?? (error as Error).message})`);
    }
  }

  async readWhole(entry: SourceEntry): Promise<Buffer> {
    try {
      // Small files: one blocking read costs far less than four thread-pool round trips
      // (open, stat, read, close), which dominated the main thread with 24,000 files.
      if (entry.size <= SYNC_READ_LIMIT) return readFileSync(join(this.root, entry.path));
      return await readFile(join(this.root, entry.path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SourceFileError(entry.path, code === 'ENOENT' ? 'vanished during the backup' : `cannot be read (${code ?? (error as Error).message})`);
    }
  }

  async close(): Promise<void> {}
}
