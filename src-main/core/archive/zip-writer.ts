import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/**
 * Writes a .zip archive as a stream: each entry's sizes and CRC follow its data (a data
 * descriptor), so nothing is buffered beyond one small file. ZIP64 records are used where
 * sizes, offsets or the entry count need them; names are UTF-8 (flag bit 11); Unix modes
 * and symlinks are kept in the external attributes, and mtimes in UTC ("UT" extra field).
 */
export type ZipSink = (bytes: Buffer) => Promise<void>;

interface CentralRecord {
  name: Buffer;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  externalAttributes: number;
  dosTime: number;
  dosDate: number;
  mtimeSeconds: number;
  zip64: boolean;
  flags: number;
}

const SMALL_FILE = 4 * 1024 * 1024;
/** Past this, a deflated size might not fit 32 bits: the entry is written as ZIP64 from the start. */
const ZIP64_THRESHOLD = 0xf0000000;
const ALREADY_COMPRESSED = /\.(jpe?g|png|gif|webp|avif|heic|mp4|m4v|mov|webm|mkv|mp3|m4a|ogg|opus|zip|gz|tgz|bz2|xz|zst|7z|rar|woff2?|pdf)$/i;

function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, Date.UTC(1980, 0, 1)));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function utExtra(mtimeSeconds: number): Buffer {
  const extra = Buffer.alloc(9);
  extra.writeUInt16LE(0x5455, 0);
  extra.writeUInt16LE(5, 2);
  extra.writeUInt8(1, 4);
  extra.writeUInt32LE(Math.max(0, Math.min(mtimeSeconds, 0xffffffff)), 5);
  return extra;
}

export class ZipWriter {
  #offset = 0;
  readonly #records: CentralRecord[] = [];

  constructor(private readonly sink: ZipSink) {}

  async #emit(bytes: Buffer): Promise<void> {
    this.#offset += bytes.length;
    await this.sink(bytes);
  }

  async #localHeader(record: CentralRecord, flags: number): Promise<void> {
    record.flags = flags;
    const zip64Extra = record.zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (record.zip64) {
      zip64Extra.writeUInt16LE(0x0001, 0);
      zip64Extra.writeUInt16LE(16, 2); // sizes follow in the data descriptor
    }
    const extra = Buffer.concat([zip64Extra, utExtra(record.mtimeSeconds)]);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(record.zip64 ? 45 : 20, 4);
    header.writeUInt16LE(flags, 6);
    header.writeUInt16LE(record.method, 8);
    header.writeUInt16LE(record.dosTime, 10);
    header.writeUInt16LE(record.dosDate, 12);
    const known = (flags & 0x8) === 0;
    header.writeUInt32LE(known ? record.crc : 0, 14);
    header.writeUInt32LE(record.zip64 ? 0xffffffff : known ? record.compressed : 0, 18);
    header.writeUInt32LE(record.zip64 ? 0xffffffff : known ? record.size : 0, 22);
    header.writeUInt16LE(record.name.length, 26);
    header.writeUInt16LE(extra.length, 28);
    await this.#emit(Buffer.concat([header, record.name, extra]));
  }

  #record(path: string, mode: number, mtime: number, method: number, zip64: boolean): CentralRecord {
    const { time, date } = dosDateTime(mtime);
    return {
      name: Buffer.from(path, 'utf8'),
      method,
      crc: 0,
      compressed: 0,
      size: 0,
      offset: this.#offset,
      externalAttributes: 0,
      dosTime: time,
      dosDate: date,
      mtimeSeconds: Math.floor(mtime / 1000),
      zip64,
      flags: 0x0800,
    };
  }

  /** A folder entry (`path/`). */
  async addDir(path: string, mode: number, mtime: number): Promise<void> {
    const record = this.#record(`${path}/`, mode, mtime, 0, false);
    record.externalAttributes = (((0o040000 | (mode & 0o7777)) << 16) | 0x10) >>> 0;
    await this.#localHeader(record, 0x0800);
    this.#records.push(record);
  }

  /** A symlink: stored, its target as content, S_IFLNK in the mode. */
  async addSymlink(path: string, target: string, mtime: number): Promise<void> {
    const data = Buffer.from(target, 'utf8');
    const record = this.#record(path, 0o777, mtime, 0, false);
    record.externalAttributes = ((0o120000 | 0o777) << 16) >>> 0;
    record.crc = crc32(data);
    record.size = record.compressed = data.length;
    await this.#localHeader(record, 0x0800);
    await this.#emit(data);
    this.#records.push(record);
  }

  /** A file whose bytes arrive in pieces; `size` is what the snapshot says it holds. */
  async addFile(path: string, mode: number, mtime: number, size: number, content: AsyncIterable<Buffer>): Promise<void> {
    const store = ALREADY_COMPRESSED.test(path) || size === 0;
    const record = this.#record(path, mode, mtime, store ? 0 : 8, size >= ZIP64_THRESHOLD);
    record.externalAttributes = ((0o100000 | (mode & 0o7777)) << 16) >>> 0;
    await this.#localHeader(record, 0x0808);
    let crc = 0;
    let raw = 0;
    let written = 0;
    if (store) {
      for await (const piece of content) {
        crc = crc32(piece, crc);
        raw += piece.length;
        await this.#emit(piece);
      }
      written = raw;
    } else if (size <= SMALL_FILE) {
      const pieces: Buffer[] = [];
      for await (const piece of content) pieces.push(piece);
      const data = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      crc = crc32(data);
      raw = data.length;
      const deflated = deflateRawSync(data, { level: 1 });
      written = deflated.length;
      await this.#emit(deflated);
    } else {
      const deflate = createDeflateRaw({ level: 1 });
      const drained = (async () => {
        for await (const out of deflate) {
          written += (out as Buffer).length;
          await this.#emit(out as Buffer);
        }
      })();
      for await (const piece of content) {
        crc = crc32(piece, crc);
        raw += piece.length;
        if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
      }
      deflate.end();
      await drained;
    }
    if (raw !== size) throw new Error(`${path} held ${raw} bytes where the snapshot says ${size}`);
    record.crc = crc;
    record.size = raw;
    record.compressed = written;
    const descriptor = Buffer.alloc(record.zip64 ? 24 : 16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    if (record.zip64) {
      descriptor.writeBigUInt64LE(BigInt(written), 8);
      descriptor.writeBigUInt64LE(BigInt(raw), 16);
    } else {
      descriptor.writeUInt32LE(written, 8);
      descriptor.writeUInt32LE(raw, 12);
    }
    await this.#emit(descriptor);
    this.#records.push(record);
  }

  /** Writes the central directory; the archive is complete after this. */
  async finish(): Promise<void> {
    const start = this.#offset;
    for (const r of this.#records) {
      const needs64 = r.zip64 || r.offset >= 0xffffffff;
      const zip64Fields: bigint[] = [];
      if (r.zip64) zip64Fields.push(BigInt(r.size), BigInt(r.compressed));
      if (r.offset >= 0xffffffff) zip64Fields.push(BigInt(r.offset));
      const zip64Extra = Buffer.alloc(needs64 ? 4 + zip64Fields.length * 8 : 0);
      if (needs64) {
        zip64Extra.writeUInt16LE(0x0001, 0);
        zip64Extra.writeUInt16LE(zip64Fields.length * 8, 2);
        zip64Fields.forEach((value, i) => zip64Extra.writeBigUInt64LE(value, 4 + i * 8));
      }
      const extra = Buffer.concat([zip64Extra, utExtra(r.mtimeSeconds)]);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE((3 << 8) | 45, 4); // made by Unix
      header.writeUInt16LE(needs64 ? 45 : 20, 6);
      header.writeUInt16LE(r.flags, 8);
      header.writeUInt16LE(r.method, 10);
      header.writeUInt16LE(r.dosTime, 12);
      header.writeUInt16LE(r.dosDate, 14);
      header.writeUInt32LE(r.crc, 16);
      header.writeUInt32LE(r.zip64 ? 0xffffffff : r.compressed, 20);
      header.writeUInt32LE(r.zip64 ? 0xffffffff : r.size, 24);
      header.writeUInt16LE(r.name.length, 28);
      header.writeUInt16LE(extra.length, 30);
      header.writeUInt32LE(r.externalAttributes, 38);
      header.writeUInt32LE(Math.min(r.offset, 0xffffffff), 42);
      await this.#emit(Buffer.concat([header, r.name, extra]));
    }
    const size = this.#offset - start;
    const count = this.#records.length;
    if (count >= 0xffff || start >= 0xffffffff || size >= 0xffffffff) {
      const zip64End = Buffer.alloc(56);
      zip64End.writeUInt32LE(0x06064b50, 0);
      zip64End.writeBigUInt64LE(44n, 4);
      zip64End.writeUInt16LE((3 << 8) | 45, 12);
      zip64End.writeUInt16LE(45, 14);
      zip64End.writeBigUInt64LE(BigInt(count), 24);
      zip64End.writeBigUInt64LE(BigInt(count), 32);
      zip64End.writeBigUInt64LE(BigInt(size), 40);
      zip64End.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(this.#offset), 8);
      locator.writeUInt32LE(1, 16);
      await this.#emit(Buffer.concat([zip64End, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, 0xffff), 8);
    end.writeUInt16LE(Math.min(count, 0xffff), 10);
    end.writeUInt32LE(Math.min(size, 0xffffffff), 12);
    end.writeUInt32LE(Math.min(start, 0xffffffff), 16);
    await this.#emit(end);
  }
}
