import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';

/**
 * Authenticated encryption for every object in a repository: AES-256-GCM with a random
 * 96-bit nonce. Layout: nonce (12) | ciphertext | tag (16). The additional data binds an
 * object to its role (a blob to its id, a snapshot to "snapshot"), so nothing can be
 * swapped for something else without detection.
 */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;

export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export interface MasterKeys {
  /** AES-256-GCM key for all objects. */
  encryption: Buffer;
  /** HMAC-SHA256 key for blob ids. */
  id: Buffer;
  /** Seed of the chunker's gear table, so cut points reveal nothing to the storage host. */
  chunker: Buffer;
}

export function newMasterKeys(): MasterKeys {
  return { encryption: randomBytes(32), id: randomBytes(32), chunker: randomBytes(32) };
}

export function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer | string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

export function decrypt(key: Buffer, sealed: Buffer, aad: Buffer | string, what: string): Buffer {
  if (sealed.length < OVERHEAD_BYTES) throw new IntegrityError(`${what} is too short to be valid (${sealed.length} bytes)`);
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new IntegrityError(`${what} failed authentication: it is damaged or was tampered with`);
  }
}

/** A blob's id: HMAC-SHA256 of its plaintext under the repository's id key (hex). */
export function blobId(idKey: Buffer, plaintext: Buffer): string {
  return createHmac('sha256', idKey).update(plaintext).digest('hex');
}

/** A storage object's name: SHA-256 of its stored bytes, checkable without any key. */
export function storageId(stored: Buffer): string {
  return createHash('sha256').update(stored).digest('hex');
}

export interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

export function defaultKdfParams(): KdfParams {
  // 64 MiB and ~0.15 s here: costly to guess at scale, cheap enough to pay on every command.
  return { name: 'scrypt', N: 2 ** 16, r: 8, p: 1, salt: randomBytes(32).toString('base64') };
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), 32, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
