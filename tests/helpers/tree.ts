import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Every path under a folder with type, mode, size, mtime (s) and content hash: for byte-exact comparisons. */
export async function describeTree(root: string, options: { mtimes?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const path = prefix ? `${prefix}/${name}` : name;
      const info = await lstat(full);
      const mtime = options.mtimes === false ? '' : ` t=${Math.floor(info.mtimeMs / 1000)}`;
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) out[path] = `link -> ${await readlink(full)}`;
      else if (info.isDirectory()) {
        out[path] = `dir ${mode}`;
        await walk(full, path);
      } else out[path] = `file ${mode} ${info.size}${mtime} ${createHash('sha256').update(await readFile(full)).digest('hex').slice(0, 16)}`;
    }
  };
  await walk(root, '');
  return out;
}
