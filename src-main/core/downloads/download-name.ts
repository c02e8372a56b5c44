import type { DownloadFormat } from './download';

/** What a download holds, for its name. */
export interface DownloadNaming {
  /** The site the snapshot is of (the user's name for it, as the snapshot records it). */
  site: string;
  /** The snapshot's time (ISO). */
  time: string;
  paths: readonly string[];
  databaseOnly: boolean;
  format: DownloadFormat;
}

const EXTENSIONS: Record<DownloadFormat, string> = { zip: '.zip', 'tar.gz': '.tar.gz', tar: '.tar', sql: '.sql', 'sql.gz': '.sql.gz', file: '' };
/** Room for the name on every file system (255 bytes), with some left for a " (1)" a browser adds. */
const MAX_NAME_BYTES = 200;
const MAX_PART_BYTES = 100;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');

/** The longest start of `text` (whole characters) that fits in `max` UTF-8 bytes. */
function cutToBytes(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (bytesOf(out + char) > max) break;
    out += char;
  }
  return out;
}

/**
 * One part of a file name from text that may be hostile (a name on the client's server): no
 * path separators, control or invisible formatting characters (bidi overrides), characters
 * Windows refuses, leading dots (hidden files) or trailing dots and spaces; at most `maxBytes`.
 * Empty when nothing is left.
 */
export function safeNamePart(raw: string, maxBytes = MAX_PART_BYTES): string {
  const cleaned = raw
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[/\\<>:"|?*]/g, '_')
    .replace(/\s+/gu, ' ')
    .replace(/^[\s.]+/u, '');
  const cut = cutToBytes(cleaned, maxBytes).replace(/[\s.]+$/u, '');
  return WINDOWS_DEVICE.test(cut) ? `_${cut}` : cut;
}

/** The site's name as the start of a file name: "Client A" → "client-a". */
export function siteSlug(name: string): string {
  const slug = safeNamePart(name, 60)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'site';
}

/** The snapshot's date on this computer's calendar, as YYYY-MM-DD. */
export function snapshotDate(time: string): string | null {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A file's own name, cut to fit while its extension stays. */
function ownName(raw: string): string {
  const name = safeNamePart(raw, Number.MAX_SAFE_INTEGER);
  if (bytesOf(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && bytesOf(name.slice(dot)) <= 16 ? name.slice(dot) : '';
  return safeNamePart(name.slice(0, name.length - extension.length), MAX_NAME_BYTES - bytesOf(extension)) + extension;
}

/**
 * The name a download is offered under: the site and the snapshot's date, then what it holds
 * (`client-a-2026-12-03-database.sql.gz`, `client-a-2026-12-03-files.zip`,
 * `client-a-2026-12-03-wp-content.zip`). A single file as it is keeps its own name.
 */
export function downloadFileName(naming: DownloadNaming): string {
  const extension = EXTENSIONS[naming.format];
  const single = naming.paths.length === 1 ? (naming.paths[0]!.split('/').findLast((part) => part !== '') ?? '') : '';
  if (naming.format === 'file' && !naming.databaseOnly) return ownName(single) || 'file';
  const what = naming.databaseOnly ? 'database' : naming.paths.length === 0 ? 'files' : naming.paths.length > 1 ? 'selection' : safeNamePart(single) || 'selection';
  const stem = [siteSlug(naming.site), snapshotDate(naming.time), what].filter((part) => part !== null).join('-');
  return cutToBytes(stem, MAX_NAME_BYTES - bytesOf(extension)).replace(/[\s.]+$/u, '') + extension;
}
