import { ApiError } from '../contract/errors';
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

/**
 * Bounds on the scrypt parameters a key file may ask for: it is read from the storage host,
 * which could otherwise make every open take gigabytes or hours. SiteVault writes N=2^16, r=8,
 * p=1 (64 MiB); the bounds leave room for stronger settings: N a power of two up to 2^20,
 * r up to 32, p up to 16, at most 256 MiB of memory (128·N·r) and 1 GiB of work (128·N·r·p).
 */
export const KDF_LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16, maxMemoryBytes: 256 * 1024 * 1024, maxWorkBytes: 1024 * 1024 * 1024 };

/** Why a key file's scrypt parameters are refused (what they would cost), or null when they are within the bounds. */
export function kdfParamsProblem(params: KdfParams): string | null {
  const { N, r, p } = params;
  const memory = 128 * N * r;
  const cost = `scrypt with N=${Number.isInteger(Math.log2(N)) ? `2^${Math.log2(N)}` : N}, r=${r}, p=${p}`;
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MiB`;
  if (N < 2 || N > KDF_LIMITS.maxN || (N & (N - 1)) !== 0) return `${cost}: N must be a power of two from 2 to 2^20`;
  if (r > KDF_LIMITS.maxR || p > KDF_LIMITS.maxP) return `${cost}: r may be at most ${KDF_LIMITS.maxR} and p at most ${KDF_LIMITS.maxP}`;
  if (memory > KDF_LIMITS.maxMemoryBytes) return `${cost}, which needs ${mib(memory)} of memory, more than the ${mib(KDF_LIMITS.maxMemoryBytes)} SiteVault allows`;
  if (memory * p > KDF_LIMITS.maxWorkBytes) return `${cost}, which costs ${mib(memory * p)} of work, more than the ${mib(KDF_LIMITS.maxWorkBytes)} SiteVault allows`;
  return null;
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const problem = kdfParamsProblem(params);
  if (problem) return Promise.reject(new ApiError('TOO_LARGE', `Refusing a key derivation with ${problem}.`));
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), 32, options, (error, key) => (error ? reject(error) : resolve(key))));
}
