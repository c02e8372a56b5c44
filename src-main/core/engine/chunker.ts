import { createCipheriv } from 'node:crypto';

/**
 * Content-defined chunking (FastCDC with normalized chunking). Cut points depend only on
 * the content near them, so an insertion early in a file changes one or two chunks, not
 * all that follow. The gear table comes from the repository's secret chunker seed.
 */
export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { min: 256 * 1024, avg: 1024 * 1024, max: 4 * 1024 * 1024 };

export function gearTable(seed: Buffer): Uint32Array {
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const bytes = cipher.update(Buffer.alloc(256 * 4));
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 1024));
}

function maskWithBits(bits: number): number {
  // Spread the bits over the high half of the 32-bit hash, where gear hashing mixes best.
  let mask = 0;
  let placed = 0;
  for (let bit = 31; bit >= 0 && placed < bits; bit -= 2) {
    mask |= 1 << bit;
    placed++;
  }
  for (let bit = 30; bit >= 0 && placed < bits; bit -= 2) {
    mask |= 1 << bit;
    placed++;
  }
  return mask >>> 0;
}

export class Chunker {
  readonly #gear: Uint32Array;
  readonly #params: ChunkerParams;
  readonly #maskSmall: number;
  readonly #maskLarge: number;

  constructor(seed: Buffer, params: ChunkerParams = DEFAULT_CHUNKER) {
    this.#gear = gearTable(seed);
    this.#params = params;
    const bits = Math.round(Math.log2(params.avg));
    this.#maskSmall = maskWithBits(bits + 2);
    this.#maskLarge = maskWithBits(bits - 2);
  }

  get params(): ChunkerParams {
    return this.#params;
  }

  /** Length of the next chunk at the start of `data`; `final` says no more data follows. */
  cut(data: Uint8Array, final: boolean): number {
    const { min, avg, max } = this.#params;
    const n = data.length;
    if (n <= min) return final ? n : 0;
    if (n < max && !final) {
      // Need more data unless a cut point is found before the end.
      const found = this.#scan(data, Math.min(n, max), min, avg);
      return found < 0 ? 0 : found;
    }
    const limit = Math.min(n, max);
    const found = this.#scan(data, limit, min, avg);
    return found < 0 ? limit : found;
  }

  #scan(data: Uint8Array, limit: number, min: number, avg: number): number {
    const gear = this.#gear;
    let hash = 0;
    const normal = Math.min(avg, limit);
    let i = min;
    for (; i < normal; i++) {
      hash = ((hash << 1) + gear[data[i]!]!) >>> 0;
      if ((hash & this.#maskSmall) === 0) return i + 1;
    }
    for (; i < limit; i++) {
      hash = ((hash << 1) + gear[data[i]!]!) >>> 0;
      if ((hash & this.#maskLarge) === 0) return i + 1;
    }
    return -1;
  }
}

/** Splits data that is already in memory. */
export function* chunkBuffer(chunker: Chunker, data: Buffer): Generator<Buffer> {
  let at = 0;
  while (at < data.length) {
    const length = chunker.cut(data.subarray(at), true);
    yield data.subarray(at, at + length);
    at += length;
  }
}

/**
 * Splits a stream of buffers into chunks. Memory stays bounded by `max` plus one input buffer.
 */
export async function* chunkStream(chunker: Chunker, source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    pending = pending.length === 0 ? Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) : Buffer.concat([pending, piece]);
    for (;;) {
      const length = chunker.cut(pending, false);
      if (length === 0) break;
      yield Buffer.from(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
    if (pending.length > 0 && pending.byteOffset > 0 && pending.length < 1024 * 1024) pending = Buffer.from(pending);
  }
  while (pending.length > 0) {
    const length = chunker.cut(pending, true);
    yield Buffer.from(pending.subarray(0, length));
    pending = pending.subarray(length);
  }
}
