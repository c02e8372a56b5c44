import { describe, expect, it } from 'vitest';
import { blobId, decrypt, defaultKdfParams, deriveKey, encrypt, IntegrityError, kdfParamsProblem, newMasterKeys } from './crypto';
import { decodeHeader, encodeHeader, openBlob, sealBlob } from './pack';

describe('object encryption', () => {
  const keys = newMasterKeys();

  it('round-trips and uses a fresh nonce each time', () => {
    const a = encrypt(keys.encryption, Buffer.from('hello'), 'snapshot');
    const b = encrypt(keys.encryption, Buffer.from('hello'), 'snapshot');
    expect(a.equals(b)).toBe(false);
    expect(decrypt(keys.encryption, a, 'snapshot', 'x').toString()).toBe('hello');
  });

  it('detects a flipped bit anywhere, and a swapped role', () => {
    const sealed = encrypt(keys.encryption, Buffer.from('payload that matters'), 'index');
    for (let i = 0; i < sealed.length; i++) {
      const damaged = Buffer.from(sealed);
      damaged[i]! ^= 0x01;
      expect(() => decrypt(keys.encryption, damaged, 'index', 'x')).toThrow(IntegrityError);
    }
    expect(() => decrypt(keys.encryption, sealed, 'snapshot', 'x')).toThrow(IntegrityError);
  });

  it('keys blob ids: same content, same id; another repository, another id', () => {
    const other = newMasterKeys();
    expect(blobId(keys.id, Buffer.from('x'))).toBe(blobId(keys.id, Buffer.from('x')));
    expect(blobId(keys.id, Buffer.from('x'))).not.toBe(blobId(other.id, Buffer.from('x')));
  });

  it('derives the same wrapping key only from the same passphrase and salt', async () => {
    const params = { ...defaultKdfParams(), N: 2 ** 12 };
    expect((await deriveKey('pässword', params)).equals(await deriveKey('pässword', params))).toBe(true);
    expect((await deriveKey('pässword', params)).equals(await deriveKey('password', params))).toBe(false);
  });
});

describe('blobs and pack headers', () => {
  const keys = newMasterKeys();

  it('seals compressible blobs compressed and opens them only under their id', async () => {
    const text = Buffer.from('<?php echo "hello"; ?>\n'.repeat(2000));
    const id = blobId(keys.id, text);
    const { sealed, compression } = await sealBlob(keys.encryption, id, text);
    expect(compression).toBe(1);
    expect(sealed.length).toBeLessThan(text.length / 4);
    expect((await openBlob(keys, id, sealed, compression, text.length, 'p')).equals(text)).toBe(true);
    const otherId = blobId(keys.id, Buffer.from('other'));
    await expect(openBlob(keys, otherId, sealed, compression, text.length, 'p')).rejects.toThrow(IntegrityError);
  });

  it('stores incompressible blobs as they are', async () => {
    const random = (await import('node:crypto')).randomBytes(200_000);
    const { sealed, compression } = await sealBlob(keys.encryption, blobId(keys.id, random), random);
    expect(compression).toBe(0);
    expect(sealed.length).toBe(random.length + 28);
  });

  it('encodes the header at the end and refuses truncation', () => {
    const entries = [
      { id: 'a'.repeat(64), type: 'data' as const, offset: 0, length: 100, rawLength: 300, compression: 1 as const },
      { id: 'b'.repeat(64), type: 'tree' as const, offset: 100, length: 50, rawLength: 50, compression: 0 as const },
    ];
    const header = encodeHeader(keys.encryption, entries);
    const pack = Buffer.concat([Buffer.alloc(150), header]);
    expect(decodeHeader(keys.encryption, pack, pack.length, 'p')).toEqual(entries);
    expect(() => decodeHeader(keys.encryption, pack.subarray(0, pack.length - 10), pack.length - 10, 'p')).toThrow(IntegrityError);
    expect(() => decodeHeader(keys.encryption, pack.subarray(10), pack.length - 10, 'p')).toThrow(/accounts for/);
  });
});

describe('scrypt parameters from a key file are bounded', () => {
  const salt = defaultKdfParams().salt;
  const params = (N: number, r: number, p: number) => ({ name: 'scrypt' as const, N, r, p, salt });

  it('accepts what SiteVault writes and stronger settings within the bounds', () => {
    expect(kdfParamsProblem(defaultKdfParams())).toBeNull();
    expect(kdfParamsProblem(params(2 ** 18, 8, 1))).toBeNull();
    expect(kdfParamsProblem(params(2 ** 16, 8, 4))).toBeNull();
  });

  it.each([
    [params(2 ** 30, 8, 1), 'scrypt with N=2^30, r=8, p=1: N must be a power of two from 2 to 2^20'],
    [params(2 ** 20, 8, 1), 'scrypt with N=2^20, r=8, p=1, which needs 1,024 MiB of memory, more than the 256 MiB SiteVault allows'],
    [params(2 ** 17, 8, 16), 'scrypt with N=2^17, r=8, p=16, which costs 2,048 MiB of work, more than the 1,024 MiB SiteVault allows'],
    [params(3000, 8, 1), 'scrypt with N=3000, r=8, p=1: N must be a power of two from 2 to 2^20'],
    [params(2 ** 10, 64, 1), 'scrypt with N=2^10, r=64, p=1: r may be at most 32 and p at most 16'],
  ])('refuses N=$0.N r=$0.r p=$0.p', async (kdf, problem) => {
    expect(kdfParamsProblem(kdf)).toBe(problem);
    await expect(deriveKey('x', kdf)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
