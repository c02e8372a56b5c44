import { promisify } from 'node:util';
import { constants, deflateRaw, inflateRaw } from 'node:zlib';

/** Recorded per blob in the pack header. */
export const COMPRESSION_NONE = 0;
export const COMPRESSION_DEFLATE = 1;
export type Compression = typeof COMPRESSION_NONE | typeof COMPRESSION_DEFLATE;

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

const SAMPLE_BYTES = 64 * 1024;
/** Keep the compressed form only if it saves at least this share of the bytes. */
const WORTHWHILE = 0.9;

/**
 * Compresses when measurement says it pays: large blobs are judged on a sample first, so
 * media (JPEG, MP4, ZIP) costs one small trial instead of a full pass. Runs on libuv's
 * thread pool, so several blobs compress in parallel.
 */
export async function compressIfWorthwhile(data: Buffer): Promise<{ compression: Compression; bytes: Buffer }> {
  if (data.length < 64) return { compression: COMPRESSION_NONE, bytes: data };
  if (data.length > SAMPLE_BYTES * 2) {
    const sample = await deflateAsync(data.subarray(0, SAMPLE_BYTES), { level: 1 });
    if (sample.length > SAMPLE_BYTES * WORTHWHILE) return { compression: COMPRESSION_NONE, bytes: data };
  }
  const compressed = await deflateAsync(data, { level: 1, strategy: constants.Z_DEFAULT_STRATEGY });
  if (compressed.length > data.length * WORTHWHILE) return { compression: COMPRESSION_NONE, bytes: data };
  return { compression: COMPRESSION_DEFLATE, bytes: compressed };
}

export async function decompress(compression: number, bytes: Buffer, rawLength: number): Promise<Buffer> {
  if (compression === COMPRESSION_NONE) return bytes;
  if (compression === COMPRESSION_DEFLATE) return inflateAsync(bytes, { maxOutputLength: Math.max(rawLength, 1) });
  throw new Error(`unknown compression ${compression}`);
}
