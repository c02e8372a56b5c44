import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Every path under a folder with type, mode, size, mtime (s) and content hash: for byte-exact
 * comparisons. Names are read as bytes, so names that are not UTF-8 are described too (their
 * keys show U+FFFD where the bytes are not UTF-8).
 */
export async function describeTree(root: string, options: { mtimes?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: Buffer, prefix: string): Promise<void> => {
    const names = (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const path = prefix ? `${prefix}/${name.toString()}` : name.toString();
      const info = await lstat(full);
      const mtime = options.mtimes === false ? '' : ` t=${Math.floor(info.mtimeMs / 1000)}`;
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) out[path] = `link -> ${await readlink(full)}`;
      else if (info.isDirectory()) {
        out[path] = `dir ${mode}`;
        await walk(full, path);
      } else
        out[path] = `file ${mode} ${info.size}${mtime} ${createHash('sha256')
          .update(await readFile(full))
          .digest('hex')
          .slice(0, 16)}`;
    }
  };
  await walk(Buffer.from(root), '');
  return out;
}
