/**
 * Reads WordPress database settings from wp-config.php by parsing it, never by running PHP.
 * Understands define('DB_…', '…') with single or double quotes (and their escapes), the
 * `host:port` and `host:/path/to/socket` forms of DB_HOST, and `$table_prefix`. Comments are
 * ignored, so a commented-out define does not count.
 */
export interface WpDatabaseSettings {
  name: string;
  user: string;
  password: string;
  host: string;
  port: number | null;
  socket: string | null;
  tablePrefix: string;
}

function stripComments(php: string): string {
  let out = '';
  let i = 0;
  while (i < php.length) {
    const c = php[i]!;
    if (c === "'" || c === '"') {
      const quote = c;
      let j = i + 1;
      while (j < php.length && php[j] !== quote) j += php[j] === '\\' ? 2 : 1;
      out += php.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && php[i + 1] === '*') {
      const end = php.indexOf('*/', i + 2);
      i = end < 0 ? php.length : end + 2;
    } else if ((c === '/' && php[i + 1] === '/') || c === '#') {
      const end = php.indexOf('\n', i);
      i = end < 0 ? php.length : end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === "'") return body.replace(/\\(['\\])/g, '$1');
  // Double quotes: the common escapes; variables are not interpolated (they cannot be known).
  return body.replace(/\\(["\\$nrt])/g, (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t' })[ch as 'n' | 'r' | 't'] ?? ch);
}

const STRING = String.raw`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;

/** DB_HOST as wp-config.php gives it: host, with its port or socket. */
export function describeDatabaseHost(db: Pick<WpDatabaseSettings, 'host' | 'port' | 'socket'>): string {
  return db.socket ? `${db.host}:${db.socket}` : db.port ? `${db.host}:${db.port}` : db.host;
}

/** The database wp-config.php names, as the catalog records it. */
export function databaseSettingsSeen(db: WpDatabaseSettings): { host: string; name: string } {
  return { host: describeDatabaseHost(db), name: db.name };
}

export function parseWpConfig(php: string): WpDatabaseSettings | null {
  const code = stripComments(php);
  const defines = new Map<string, string>();
  const defineRe = new RegExp(String.raw`define\s*\(\s*${STRING}\s*,\s*${STRING}\s*\)`, 'g');
  for (const match of code.matchAll(defineRe)) defines.set(unquote(match[1]!), unquote(match[2]!));
  const prefixMatch = new RegExp(String.raw`\$table_prefix\s*=\s*${STRING}\s*;`).exec(code);
  const name = defines.get('DB_NAME');
  const user = defines.get('DB_USER');
  if (name === undefined || user === undefined) return null;
  const rawHost = defines.get('DB_HOST') ?? 'localhost';
  let host = rawHost;
  let port: number | null = null;
  let socket: string | null = null;
  const colon = rawHost.indexOf(':');
  if (colon >= 0 && !rawHost.startsWith('[')) {
    host = rawHost.slice(0, colon) || 'localhost';
    const rest = rawHost.slice(colon + 1);
    if (/^\d+$/.test(rest)) port = Number(rest);
    else if (rest.startsWith('/')) socket = rest;
  }
  return { name, user, password: defines.get('DB_PASSWORD') ?? '', host, port, socket, tablePrefix: prefixMatch ? unquote(prefixMatch[1]!) : 'wp_' };
}
