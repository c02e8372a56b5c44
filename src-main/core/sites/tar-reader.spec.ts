import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_DATA, readTar, TarLimitError, type TarEntry } from './tar-reader';

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

  it('a hard-link entry is never a file: only what tar --hard-dereference sends as files has content', async () => {
    await mkdir(join(dir, 'links'));
    await writeFile(join(dir, 'links', 'a'), 'shared');
    execFileSync('ln', [join(dir, 'links', 'a'), join(dir, 'links', 'b')]);
    const entries = async (extra: string[]) => {
      const tar = execFileSync('tar', ['--format=gnu', ...extra, '-C', join(dir, 'links'), '-cf', '-', 'a', 'b']);
      const out: Array<[string, string, string]> = [];
      await readTar(
        (async function* () {
          yield tar;
        })(),
        async (entry, content) => {
          let text = '';
          for await (const piece of content) text += piece.toString();
          out.push([entry.path, entry.type, text]);
        },
      );
      return out;
    };
    expect(await entries([])).toEqual([
      ['a', 'file', 'shared'],
      ['b', 'other', ''],
    ]);
    expect(await entries(['--hard-dereference'])).toEqual([
      ['a', 'file', 'shared'],
      ['b', 'file', 'shared'],
    ]);
  });

  it('fails clearly on a truncated stream', async () => {
    const tar = execFileSync('tar', ['-C', join(dir, 'src'), '-cf', '-', 'big.bin'], { maxBuffer: 16 * 1024 * 1024 });
    await expect(
      readTar(
        (async function* () {
          yield tar.subarray(0, 100_000);
        })(),
        async (_e, content) => {
          for await (const _ of content) void _;
        },
      ),
    ).rejects.toThrow(/ended in the middle/);
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

/** One hand-made header block: what a hostile server's "tar" can send. */
function header(name: string, typeFlag: string, size: number | Buffer): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 8, 'ascii');
  if (typeof size === 'number') block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  else size.copy(block, 124);
  block.write(typeFlag, 156, 1, 'ascii');
  block.write('ustar\0' + '00', 257, 8, 'ascii');
  return block;
}

const MIB = 1024 * 1024;

/** A stream that counts what the reader pulls from it: one header, then the same MiB over and over. */
function hostile(first: Buffer, mebibytes: number): { stream: AsyncGenerator<Buffer>; pulled: () => number } {
  let pulled = 0;
  const filler = Buffer.alloc(MIB, 0x61);
  async function* stream() {
    pulled += first.length;
    yield first;
    for (let i = 0; i < mebibytes; i++) {
      pulled += filler.length;
      yield filler;
    }
    yield Buffer.alloc(1024);
  }
  return { stream: stream(), pulled: () => pulled };
}

describe('tar reader against a hostile stream', () => {
  const ignore = async (_entry: TarEntry, content: AsyncIterable<Buffer>) => {
    for await (const _ of content) void _;
  };

  it.each([
    ['x', 'a pax header of 100 MiB, more than the 1 MiB SiteVault reads'],
    ['g', 'a pax global header of 100 MiB, more than the 1 MiB SiteVault reads'],
    ['L', 'a GNU long name of 100 MiB, more than the 1 MiB SiteVault reads'],
  ])('refuses a %s header of 100 MB before reading it', async (flag, message) => {
    const { stream, pulled } = hostile(header('PaxHeaders/x', flag, 100 * MIB), 100);
    const error = await readTar(stream, ignore).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarLimitError);
    expect((error as Error).message).toBe(message);
    // Nothing of the header's data was held: the reader stopped at its first block.
    expect(pulled()).toBeLessThanOrEqual(512 + MIB);
  });

  it('reads a header at the bound', async () => {
    const name = Buffer.alloc(MAX_HEADER_DATA, 0x62);
    name[name.length - 1] = 0;
    const padding = Buffer.alloc((512 - (name.length % 512)) % 512);
    const file = header('ignored', '0', 3);
    const stream = (async function* () {
      yield Buffer.concat([header('././@LongLink', 'L', name.length), name, padding, file, Buffer.from('abc'), Buffer.alloc(509), Buffer.alloc(1024)]);
    })();
    const seen: TarEntry[] = [];
    await readTar(stream, async (entry, content) => {
      seen.push(entry);
      await ignore(entry, content);
    });
    expect(seen.map((e) => [e.path.length, e.size])).toEqual([[MAX_HEADER_DATA - 1, 3]]);
  });

  it('passes over what a folder entry claims to hold without keeping it', async () => {
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const { stream } = hostile(header('dir/', '5', 64 * MIB), 64);
    const sampled = (async function* () {
      for await (const piece of stream) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        yield piece;
      }
    })();
    const seen: string[] = [];
    await readTar(sampled, async (entry) => void seen.push(`${entry.type} ${entry.path}`));
    expect(seen).toEqual(['dir dir']);
    // Holding the 64 MiB it claims would show here; passing over it allocates nothing.
    expect(peak).toBeLessThan(16 * MIB);
  });

  it.each([
    ['a size beyond what a number holds (GNU base-256)', header('f', '0', Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))],
    ['a pax size that is not a number', Buffer.concat([header('p', 'x', 13), Buffer.from('13 size=1e99\n'), Buffer.alloc(512 - 13), header('f', '0', 0)])],
  ])('refuses %s', async (_what, first) => {
    await expect(readTar(hostile(first, 0).stream, ignore)).rejects.toBeInstanceOf(TarLimitError);
  });
});
