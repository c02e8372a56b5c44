import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar, type TarEntry } from './tar-reader';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sv-tar-'));
  await mkdir(join(dir, 'src', 'deep', 'x'.repeat(120)), { recursive: true });
  await writeFile(join(dir, 'src', 'small.txt'), 'hello');
  await writeFile(join(dir, 'src', 'empty'), '');
  await writeFile(join(dir, 'src', 'new\nline ünï "q".txt'), 'odd');
  await writeFile(join(dir, 'src', 'deep', 'x'.repeat(120), 'long-path-file.txt'), 'long');
  await writeFile(join(dir, 'src', 'big.bin'), Buffer.alloc(3_000_000, 7));
  await symlink('small.txt', join(dir, 'src', 'link'));
  await utimes(join(dir, 'src', 'small.txt'), 1_600_000_000.5, 1_600_000_000.5);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(format: string): Promise<Array<TarEntry & { sha: string }>> {
  const tar = execFileSync('tar', [`--format=${format}`, '-C', join(dir, 'src'), '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
  async function* pieces() {
    for (let at = 0; at < tar.length; at += 7919) yield tar.subarray(at, at + 7919);
  }
  const out: Array<TarEntry & { sha: string }> = [];
  await readTar(pieces(), async (entry, content) => {
    const hash = createHash('sha256');
    for await (const piece of content) hash.update(piece);
    out.push({ ...entry, sha: hash.digest('hex').slice(0, 12) });
  });
  return out;
}

describe('tar reader', () => {
  it.each(['pax', 'gnu'])('reads %s archives from real tar: names, sizes, contents, modes, times', async (format) => {
    const entries = await read(format);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('small.txt')).toMatchObject({ type: 'file', size: 5, sha: createHash('sha256').update('hello').digest('hex').slice(0, 12) });
    expect(byPath.get('empty')).toMatchObject({ type: 'file', size: 0 });
    expect(byPath.get('new\nline ünï "q".txt')).toMatchObject({ type: 'file', size: 3 });
    expect(byPath.get(`deep/${'x'.repeat(120)}/long-path-file.txt`)).toMatchObject({ size: 4 });
    expect(byPath.get('big.bin')).toMatchObject({ size: 3_000_000, sha: createHash('sha256').update(Buffer.alloc(3_000_000, 7)).digest('hex').slice(0, 12) });
    expect(byPath.get('link')).toMatchObject({ type: 'symlink' });
    expect(Math.floor(byPath.get('small.txt')!.mtime / 1000)).toBe(1_600_000_000);
  });

  it('fails clearly on a truncated stream', async () => {
    const tar = execFileSync('tar', ['-C', join(dir, 'src'), '-cf', '-', 'big.bin'], { maxBuffer: 16 * 1024 * 1024 });
    await expect(readTar((async function* () { yield tar.subarray(0, 100_000); })(), async (_e, content) => {
      for await (const _ of content) void _;
    })).rejects.toThrow(/ended in the middle/);
  });
});

describe('tar reader and its producer', () => {
  it('reads the whole stream, padding included, so the producer can finish', async () => {
    const tar = execFileSync('tar', ['-C', join(dir, 'src'), '-cf', '-', 'small.txt']);
    expect(tar.length).toBe(10240);
    let pulled = 0;
    async function* pieces() {
      for (let at = 0; at < tar.length; at += 512) {
        pulled += 512;
        yield tar.subarray(at, at + 512);
      }
    }
    await readTar(pieces(), async (_e, content) => {
      for await (const _ of content) void _;
    });
    expect(pulled).toBe(10240);
  });
});
