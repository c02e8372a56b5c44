import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { blobId, newMasterKeys } from './crypto';
import { openBlob } from './pack';
import { SealPool } from './seal-pool';

const keys = newMasterKeys();
const pool = SealPool.create(keys, 2);
afterAll(async () => {
  await pool?.close();
});

describe('sealing worker threads', () => {
  it('start from the TypeScript sources in a checkout', () => {
    expect(pool).not.toBeNull();
  });

  it('seal blobs that open under their keyed id, compressed when it pays', async () => {
    const text = Buffer.from('<?php echo "x"; ?>\n'.repeat(5000));
    const noise = randomBytes(300_000);
    const [a, b] = await Promise.all([pool!.seal(text), pool!.seal(noise)]);
    expect(a.id).toBe(blobId(keys.id, text));
    expect(a.compression).toBe(1);
    expect(b.compression).toBe(0);
    expect((await openBlob(keys, a.id, a.sealed, a.compression, text.length, 'test')).equals(text)).toBe(true);
    expect((await openBlob(keys, b.id, b.sealed, b.compression, noise.length, 'test')).equals(noise)).toBe(true);
  });

  it('keep answers matched to requests under load', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => Buffer.from(`blob ${i} `.repeat(i + 1)));
    const sealed = await Promise.all(inputs.map((input) => pool!.seal(input)));
    sealed.forEach((blob, i) => expect(blob.id).toBe(blobId(keys.id, inputs[i]!)));
  });
});
