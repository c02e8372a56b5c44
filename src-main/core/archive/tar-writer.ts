/**
 * Writes tar archives (POSIX ustar, with pax extended headers for long names, long link
 * targets and sizes over 8 GiB), as GNU tar, bsdtar and every unpacker read them.
 */
import type { SourceEntry } from '../engine/source';

/** Relative `/`-separated path (folders without a trailing slash), mode, mtime in ms, size, link target. */
export type TarEntry = SourceEntry;

const BLOCK = 512;
export const TAR_END = Buffer.alloc(BLOCK * 2);
const MAX_OCTAL_SIZE = 0o77777777777;

function writeString(header: Buffer, offset: number, length: number, value: Buffer): void {
  value.copy(header, offset, 0, Math.min(value.length, length));
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(
    `${Math.floor(value)
      .toString(8)
      .padStart(length - 1, '0')}\0`,
    offset,
    length,
    'ascii',
  );
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The record starts with its own total length in decimal, which counts its own digits.
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function ustarHeader(name: Buffer, typeflag: string, mode: number, mtimeSeconds: number, size: number, linkname: Buffer): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, mode & 0o7777);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, Math.min(size, MAX_OCTAL_SIZE));
  writeOctal(header, 136, 12, Math.max(0, Math.min(mtimeSeconds, MAX_OCTAL_SIZE)));
  header.write('        ', 148, 8, 'ascii');
  header.write(typeflag, 156, 1, 'ascii');
  writeString(header, 157, 100, linkname);
  header.write('ustar\0' + '00', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** The header block(s) of one entry: a pax header first when ustar cannot hold the name or size. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = Buffer.from(entry.type === 'dir' ? `${entry.path}/` : entry.path, 'utf8');
  const linkname = Buffer.from(entry.target ?? '', 'utf8');
  const size = entry.type === 'file' ? entry.size : 0;
  const records: Buffer[] = [];
  if (name.length > 100) records.push(paxRecord('path', name));
  if (linkname.length > 100) records.push(paxRecord('linkpath', linkname));
  if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', Buffer.from(String(size))));
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
  const mtime = Math.floor(entry.mtime / 1000);
  const main = ustarHeader(name, typeflag, entry.mode, mtime, size, linkname);
  if (records.length === 0) return main;
  const pax = Buffer.concat(records);
  const paxName = Buffer.from(`PaxHeaders/${entry.path.slice(-80)}`.slice(0, 99), 'utf8');
  return Buffer.concat([ustarHeader(paxName, 'x', 0o644, mtime, pax.length, Buffer.alloc(0)), pax, tarPadding(pax.length), main]);
}

/** Zero bytes that round content up to a whole block. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}
