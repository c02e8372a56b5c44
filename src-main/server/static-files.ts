import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  path: string;
  size: number;
  contentType: string;
  open(): NodeJS.ReadableStream;
}

/** Resolves a URL path to a file inside `root`, or null. Never leaves `root`. */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = normalize(join(root, relative));
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  if (!candidate.startsWith(rootWithSep)) return null;
  try {
    const info = await stat(candidate);
    if (!info.isFile()) return null;
    return {
      path: candidate,
      size: info.size,
      contentType: CONTENT_TYPES[extname(candidate).toLowerCase()] ?? 'application/octet-stream',
      open: () => createReadStream(candidate),
    };
  } catch {
    return null;
  }
}
