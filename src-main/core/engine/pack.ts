import { blobId, decrypt, encrypt, IntegrityError, OVERHEAD_BYTES, storageId } from './crypto';
import { compressIfWorthwhile, decompress, type Compression } from './compression';

export type BlobType = 'data' | 'tree';

/** Where a blob lives: the index maps blob ids to these. */
export interface BlobLocation {
  pack: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
  compression: Compression;
}

export interface PackEntry {
  id: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
  compression: Compression;
}

/**
 * A pack: encrypted blobs one after another, then the encrypted header listing them, then
 * the header's length as 4 bytes little-endian. Header entry (46 bytes): type (1),
 * compression (1), stored length (4), raw length (4), blob id (32 bytes). Offsets follow
 * from the lengths. The pack's name is the SHA-256 of its bytes.
 */
const ENTRY_BYTES = 1 + 1 + 4 + 4 + 32;
export const PACK_HEADER_AAD = 'sitevault-pack-header';

export function encodeHeader(key: Buffer, entries: readonly PackEntry[]): Buffer {
  const plain = Buffer.alloc(entries.length * ENTRY_BYTES);
  entries.forEach((entry, i) => {
    const at = i * ENTRY_BYTES;
    plain.writeUInt8(entry.type === 'tree' ? 1 : 0, at);
    plain.writeUInt8(entry.compression, at + 1);
    plain.writeUInt32LE(entry.length, at + 2);
    plain.writeUInt32LE(entry.rawLength, at + 6);
    Buffer.from(entry.id, 'hex').copy(plain, at + 10);
  });
  const sealed = encrypt(key, plain, PACK_HEADER_AAD);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(sealed.length);
  return Buffer.concat([sealed, length]);
}

/** Reads a pack's header from its tail (the whole pack, or just its end). */
export function decodeHeader(key: Buffer, tail: Buffer, packSize: number, packName: string): PackEntry[] {
  if (tail.length < 4) throw new IntegrityError(`${packName} is too short to hold a header`);
  const headerLength = tail.readUInt32LE(tail.length - 4);
  if (headerLength < OVERHEAD_BYTES || headerLength + 4 > tail.length || headerLength + 4 > packSize) {
    throw new IntegrityError(`${packName} has an impossible header length (${headerLength}): truncated or damaged`);
  }
  const plain = decrypt(key, tail.subarray(tail.length - 4 - headerLength, tail.length - 4), PACK_HEADER_AAD, `the header of ${packName}`);
  if (plain.length % ENTRY_BYTES !== 0) throw new IntegrityError(`the header of ${packName} has a partial entry`);
  const entries: PackEntry[] = [];
  let offset = 0;
  for (let at = 0; at < plain.length; at += ENTRY_BYTES) {
    const length = plain.readUInt32LE(at + 2);
    entries.push({
      type: plain.readUInt8(at) === 1 ? 'tree' : 'data',
      compression: plain.readUInt8(at + 1) as Compression,
      length,
      rawLength: plain.readUInt32LE(at + 6),
      id: plain.subarray(at + 10, at + 42).toString('hex'),
      offset,
    });
    offset += length;
  }
  if (offset + headerLength + 4 !== packSize) {
    throw new IntegrityError(`${packName} is ${packSize} bytes but its header accounts for ${offset + headerLength + 4}`);
  }
  return entries;
}

export function headerTailSize(): number {
  return 64 * 1024;
}

/** Seals one blob: compress if worthwhile, then encrypt with the blob id as additional data. */
export async function sealBlob(key: Buffer, id: string, plaintext: Buffer): Promise<{ sealed: Buffer; compression: Compression }> {
  const { compression, bytes } = await compressIfWorthwhile(plaintext);
  return { sealed: encrypt(key, bytes, Buffer.from(id, 'hex')), compression };
}

/** Opens one blob and proves it is the blob asked for: authentication, then the keyed hash. */
export async function openBlob(keys: { encryption: Buffer; id: Buffer }, expectedId: string, sealed: Buffer, compression: number, rawLength: number, where: string): Promise<Buffer> {
  const compressed = decrypt(keys.encryption, sealed, Buffer.from(expectedId, 'hex'), `blob ${expectedId.slice(0, 12)} in ${where}`);
  let plain: Buffer;
  try {
    plain = await decompress(compression, compressed, rawLength);
  } catch {
    throw new IntegrityError(`blob ${expectedId.slice(0, 12)} in ${where} does not decompress`);
  }
  if (plain.length !== rawLength || blobId(keys.id, plain) !== expectedId) {
    throw new IntegrityError(`blob ${expectedId.slice(0, 12)} in ${where} does not match its id`);
  }
  return plain;
}

/** Collects sealed blobs until the pack is big enough, then hands it over to be stored. */
export class PackBuilder {
  readonly #parts: Buffer[] = [];
  readonly #entries: PackEntry[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get count(): number {
    return this.#entries.length;
  }

  add(entry: Omit<PackEntry, 'offset'>, sealed: Buffer): void {
    this.#entries.push({ ...entry, offset: this.#size });
    this.#parts.push(sealed);
    this.#size += sealed.length;
  }

  finish(key: Buffer): { id: string; bytes: Buffer; entries: PackEntry[] } {
    const bytes = Buffer.concat([...this.#parts, encodeHeader(key, this.#entries)]);
    return { id: storageId(bytes), bytes, entries: this.#entries };
  }
}

export function packName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}
