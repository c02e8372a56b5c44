/**
 * Reads a tar stream (ustar, pax and GNU long names) entry by entry, handing each regular
 * file's bytes to a callback as they arrive. Memory holds one 512-byte header and the
 * chunk in flight, never a whole file; a pax header or a GNU long name is held whole, so
 * each is bounded (MAX_HEADER_DATA), and what other entries claim to hold is skipped as it
 * streams past.
 */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: number;
}

const BLOCK = 512;
/** The most a pax header or a GNU long name may hold: names are at most a few KiB on any server. */
export const MAX_HEADER_DATA = 1024 * 1024;

function octal(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    // GNU base-256 for large values.
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return end < 0 ? field : field.subarray(0, end);
}

function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) records.set(record.subarray(0, eq).toString('utf8'), record.subarray(eq + 1));
    at += length;
  }
  return records;
}

/** The stream holds something beyond a bound (a huge header, an impossible size): it cannot be trusted. */
export class TarLimitError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'TarLimitError';
  }
}

const MIB = 1024 * 1024;
const sizeText = (bytes: number) => (bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${bytes} bytes`);

/** The stream stopped before tar's end marker: whatever was not read yet is unknown (a lost connection). */
export class TruncatedTarError extends Error {
  constructor(where: string) {
    super(`the tar stream ended ${where}`);
    this.name = 'TruncatedTarError';
  }
}

/** Paths stay as raw bytes decoded as UTF-8; invalid sequences are kept by the caller's choice. */
export async function readTar(source: AsyncIterable<Buffer>, onEntry: (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    await readEntries(iterator, onEntry);
  } catch (error) {
    // Stop the producer (an SSH channel is closed): nothing more of this stream is wanted.
    await iterator.return?.().catch(() => {});
    throw error;
  }
}

async function readEntries(iterator: AsyncIterator<Buffer>, onEntry: (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  let buffered: Buffer = Buffer.alloc(0);
  let ended = false;

  const fill = async (needed: number): Promise<boolean> => {
    while (buffered.length < needed && !ended) {
      const { value, done } = await iterator.next();
      if (done) ended = true;
      else buffered = buffered.length === 0 ? value : Buffer.concat([buffered, value]);
    }
    return buffered.length >= needed;
  };
  const take = async (length: number): Promise<Buffer> => {
    if (!(await fill(length))) throw new TruncatedTarError('in the middle of an entry');
    const out = buffered.subarray(0, length);
    buffered = buffered.subarray(length);
    return out;
  };
  /** Passes over bytes without keeping them. */
  const skip = async (length: number): Promise<void> => {
    let left = length;
    while (left > 0) {
      if (buffered.length === 0 && !(await fill(1))) throw new TruncatedTarError('in the middle of an entry');
      const piece = Math.min(left, buffered.length);
      buffered = buffered.subarray(piece);
      left -= piece;
    }
  };
  async function* body(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (buffered.length === 0 && !(await fill(1))) throw new TruncatedTarError('in the middle of a file');
      const piece = buffered.subarray(0, Math.min(left, buffered.length));
      buffered = buffered.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  let longName: Buffer | null = null;
  let pax: Map<string, Buffer> | null = null;
  // tar pads its output to a whole record after the end marker: read it all, or the
  // producer (an SSH channel) never sees its output consumed and never closes.
  const drain = async () => {
    buffered = Buffer.alloc(0);
    while (!ended) {
      const { done } = await iterator.next();
      if (done) ended = true;
    }
  };
  for (;;) {
    // No end marker: the producer was cut off, and the entries it had still to send are unknown.
    if (!(await fill(BLOCK))) throw new TruncatedTarError(buffered.length > 0 ? 'in the middle of a header' : 'before its end marker');
    const header = await take(BLOCK);
    if (header.every((byte) => byte === 0)) return drain();
    const size = octal(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarLimitError('an entry whose size field is not a usable number');
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const typeFlag = String.fromCharCode(header[156]!);
    if (typeFlag === 'x' || typeFlag === 'L' || typeFlag === 'g') {
      if (size > MAX_HEADER_DATA) {
        const what = typeFlag === 'L' ? 'a GNU long name' : typeFlag === 'g' ? 'a pax global header' : 'a pax header';
        throw new TarLimitError(`${what} of ${sizeText(size)}, more than the ${sizeText(MAX_HEADER_DATA)} SiteVault reads`);
      }
      const data = (await take(padded)).subarray(0, size);
      if (typeFlag === 'x') pax = parsePax(data);
      if (typeFlag === 'L') longName = cString(data, 0, data.length);
      continue;
    }
    const prefix = cString(header, 345, 155);
    const name = cString(header, 0, 100);
    const rawPath = pax?.get('path') ?? longName ?? (prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name);
    const paxSize = pax?.get('size')?.toString('latin1');
    const realSize = paxSize ? Number(paxSize) : size;
    if (paxSize !== undefined && (!/^\d+$/.test(paxSize) || !Number.isSafeInteger(realSize))) throw new TarLimitError('a pax size that is not a usable number');
    const mtime = pax?.get('mtime') ? Math.floor(Number(pax.get('mtime')!.toString()) * 1000) : octal(header, 136, 12) * 1000;
    const entry: TarEntry = {
      path: rawPath.toString('utf8').replace(/^\.\//, '').replace(/\/$/, ''),
      type: typeFlag === '0' || typeFlag === '\0' || typeFlag === '7' ? 'file' : typeFlag === '5' ? 'dir' : typeFlag === '2' ? 'symlink' : 'other',
      size: realSize,
      mode: octal(header, 100, 8) & 0o7777,
      mtime,
    };
    longName = null;
    pax = null;
    const stream = body(entry.type === 'file' ? realSize : 0);
    if (entry.type === 'file') {
      let consumed = false;
      const tracked = (async function* () {
        for await (const piece of stream) yield piece;
        consumed = true;
      })();
      await onEntry(entry, tracked);
      if (!consumed) for await (const _ of tracked) void _;
    } else {
      await onEntry(entry, (async function* () {})());
    }
    // What a file holds was read above; what another entry claims to hold streams past unkept.
    if (entry.type === 'file') await take(Math.ceil(entry.size / BLOCK) * BLOCK - entry.size);
    else await skip(padded);
  }
}
