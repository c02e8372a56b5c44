import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TAR_END, tarHeader, tarPadding } from './tar-writer';

const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('tar writer', () => {
  it('GNU tar reads long names, long link targets, UTF-8, modes and mtimes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sv-tar-'));
    dirs.push(dir);
    const longDir = 'd'.repeat(90) + '/' + 'é'.repeat(40);
    const longFile = `${longDir}/${'f'.repeat(120)}.txt`;
    const data = Buffer.from('hello tar');
    const parts = [
      tarHeader({ path: 'd'.repeat(90), type: 'dir', mode: 0o750, mtime: 1_600_000_000_000, size: 0 }),
      tarHeader({ path: longDir, type: 'dir', mode: 0o755, mtime: 1_600_000_000_000, size: 0 }),
      tarHeader({ path: longFile, type: 'file', mode: 0o640, mtime: 1_500_000_000_000, size: data.length }),
      data,
      tarPadding(data.length),
      tarHeader({ path: 'link', type: 'symlink', mode: 0o777, mtime: 0, size: 0, target: `${'t'.repeat(150)}/target` }),
      TAR_END,
    ];
    await writeFile(join(dir, 'a.tar'), Buffer.concat(parts));
    await exec('tar', ['-xpf', join(dir, 'a.tar'), '-C', dir]);
    expect(await readFile(join(dir, longFile), 'utf8')).toBe('hello tar');
    const info = await stat(join(dir, longFile));
    expect(info.mode & 0o777).toBe(0o640);
    expect(info.mtimeMs).toBe(1_500_000_000_000);
    expect((await stat(join(dir, 'd'.repeat(90)))).mode & 0o777).toBe(0o750);
    expect(await readlink(join(dir, 'link'))).toBe(`${'t'.repeat(150)}/target`);
  });
});
