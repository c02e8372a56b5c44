import { promisify } from 'node:util';
import { constants, deflateRaw, deflateRawSync, inflateRaw, inflateRawSync } from 'node:zlib';

/** Recorded per blob in the pack header. */
export const COMPRESSION_NONE = 0;
export const COMPRESSION_DEFLATE = 1;
export type Compression = typeof COMPRESSION_NONE | typeof COMPRESSION_DEFLATE;

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

const SAMPLE_BYTES = 64 * 1024;
/**
 * Below this, compress on the calling thread: an async zlib call costs ~100 µs of setup and
 * callbacks, several times the work itself for a small file (measured on 6 KB: 4-5x). Above
 * it the thread pool wins, because it runs on the other core.
 */
const SYNC_LIMIT = 16 * 1024;

/** The smallest window that covers the input: less to allocate for small blobs. */
function windowBitsFor(length: number): number {
  return Math.min(15, Math.max(9, Math.ceil(Math.log2(Math.max(length, 1)))));
}
/** Keep the compressed form only if it saves at least this share of the bytes. */
const WORTHWHILE = 0.9;

/**
 * Compresses when measurement says it pays: large blobs are judged on a sample first, so
 * media (JPEG, MP4, ZIP) costs one small trial instead of a full pass. Runs on libuv's
 * thread pool, so several blobs compress in parallel.
 */
export async function compressIfWorthwhile(data: Buffer): Promise<{ compression: Compression; bytes: Buffer }> {
  if (data.length < 64) return { compression: COMPRESSION_NONE, bytes: data };
  if (data.length <= SYNC_LIMIT) {
    const compressed = deflateRawSync(data, { level: 1, windowBits: windowBitsFor(data.length) });
    return compressed.length > data.length * WORTHWHILE ? { compression: COMPRESSION_NONE, bytes: data } : { compression: COMPRESSION_DEFLATE, bytes: compressed };
  }
  if (data.length > SAMPLE_BYTES * 2) {
    const sample = await deflateAsync(data.subarray(0, SAMPLE_BYTES), { level: 1, chunkSize: SAMPLE_BYTES + 1024 });
    if (sample.length > SAMPLE_BYTES * WORTHWHILE) return { compression: COMPRESSION_NONE, bytes: data };
  }
  // One output chunk the size of the input: zlib's default 16 KiB chunks cost a main-thread
  // callback and an allocation each, which dominated backups of many files.
  const compressed = await deflateAsync(data, { level: 1, strategy: constants.Z_DEFAULT_STRATEGY, chunkSize: Math.max(64 * 1024, data.length + 1024) });
  if (compressed.length > data.length * WORTHWHILE) return { compression: COMPRESSION_NONE, bytes: data };
  return { compression: COMPRESSION_DEFLATE, bytes: compressed };
}

/** The same choice as compressIfWorthwhile, on the calling thread (for worker threads). */
export function compressIfWorthwhileSync(data: Buffer): { compression: Compression; bytes: Buffer } {
  if (data.length < 64) return { compression: COMPRESSION_NONE, bytes: data };
  if (data.length > SAMPLE_BYTES * 2) {
    const sample = deflateRawSync(data.subarray(0, SAMPLE_BYTES), { level: 1 });
    if (sample.length > SAMPLE_BYTES * WORTHWHILE) return { compression: COMPRESSION_NONE, bytes: data };
  }
  const compressed = deflateRawSync(data, { level: 1, windowBits: windowBitsFor(data.length) });
  return compressed.length > data.length * WORTHWHILE ? { compression: COMPRESSION_NONE, bytes: data } : { compression: COMPRESSION_DEFLATE, bytes: compressed };
}

export async function decompress(compression: number, bytes: Buffer, rawLength: number): Promise<Buffer> {
  if (compression === COMPRESSION_NONE) return bytes;
  if (compression === COMPRESSION_DEFLATE) {
    const options = { maxOutputLength: Math.max(rawLength, 1), chunkSize: Math.max(64 * 1024, rawLength + 64) };
    return rawLength <= SYNC_LIMIT ? inflateRawSync(bytes, options) : inflateAsync(bytes, options);
  }
  throw new Error(`unknown compression ${compression}`);
}
