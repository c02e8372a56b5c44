import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Chunker, chunkStream } from './chunker';

function pseudoRandom(size: number, seed: number): Buffer {
  const key = Buffer.alloc(32, seed);
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

async function chunksOf(chunker: Chunker, data: Buffer, pieceSize = 65_536): Promise<Buffer[]> {
  async function* pieces() {
    for (let at = 0; at < data.length; at += pieceSize) yield data.subarray(at, at + pieceSize);
  }
  const out: Buffer[] = [];
  for await (const chunk of chunkStream(chunker, pieces())) out.push(chunk);
  return out;
}

describe('content-defined chunker', () => {
  const chunker = new Chunker(Buffer.alloc(32, 7));

  it('keeps a small file whole and cuts large data between min and max', async () => {
    expect((await chunksOf(chunker, pseudoRandom(100_000, 1))).length).toBe(1);
    const chunks = await chunksOf(chunker, pseudoRandom(24 * 1024 * 1024, 2));
    expect(Buffer.concat(chunks).equals(pseudoRandom(24 * 1024 * 1024, 2))).toBe(true);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(256 * 1024);
      expect(chunk.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
    const average = (24 * 1024 * 1024) / chunks.length;
    expect(average).toBeGreaterThan(512 * 1024);
    expect(average).toBeLessThan(2 * 1024 * 1024);
  });

  it('does not depend on how the input is split into pieces', async () => {
    const data = pseudoRandom(6 * 1024 * 1024, 3);
    const a = (await chunksOf(chunker, data, 65_536)).map((c) => c.length);
    const b = (await chunksOf(chunker, data, 1_000_003)).map((c) => c.length);
    expect(a).toEqual(b);
  });

  it('re-synchronises after an insertion: most chunks stay identical', async () => {
    const data = pseudoRandom(16 * 1024 * 1024, 4);
    const edited = Buffer.concat([data.subarray(0, 5_000_000), randomBytes(100), data.subarray(5_000_000)]);
    const before = new Set((await chunksOf(chunker, data)).map((c) => c.toString('base64')));
    const after = await chunksOf(chunker, edited);
    const shared = after.filter((c) => before.has(c.toString('base64'))).length;
    expect(shared).toBeGreaterThanOrEqual(after.length - 2);
  });

  it('cuts differently with another seed (cut points reveal nothing without the key)', async () => {
    const data = pseudoRandom(8 * 1024 * 1024, 5);
    const a = (await chunksOf(new Chunker(Buffer.alloc(32, 1)), data)).map((c) => c.length);
    const b = (await chunksOf(new Chunker(Buffer.alloc(32, 2)), data)).map((c) => c.length);
    expect(a).not.toEqual(b);
  });
});
