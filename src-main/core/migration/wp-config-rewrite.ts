import { ApiError } from '../contract/errors';

export interface WpDatabaseValues {
  name: string;
  user: string;
  password: string;
  /** As DB_HOST spells it: `host`, `host:port` or `host:/path/to/socket`. */
  host: string;
}

const STRING = String.raw`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;

function phpSingleQuoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function defineRe(name: string): RegExp {
  return new RegExp(String.raw`(define\s*\(\s*['"]${name}['"]\s*,\s*)${STRING}(\s*\))`, 'g');
}

/**
 * Points a copied wp-config.php at another database (and, for a migration, another URL):
 * the DB_* defines get the target's values; WP_HOME and WP_SITEURL, when defined, get the
 * new URL. Everything else in the file is kept byte for byte.
 */
export function rewriteWpConfig(php: string, db: WpDatabaseValues, url?: { from: string; to: string }): string {
  let out = php;
  const values: Array<[string, string]> = [
    ['DB_NAME', db.name],
    ['DB_USER', db.user],
    ['DB_PASSWORD', db.password],
    ['DB_HOST', db.host],
  ];
  for (const [name, value] of values) {
    const re = defineRe(name);
    if (!re.test(out)) throw new ApiError('BAD_REQUEST', `The snapshot's wp-config.php has no define('${name}', …) to point at the new database.`);
    out = out.replace(defineRe(name), (_m, head: string, _old: string, tail: string) => `${head}${phpSingleQuoted(value)}${tail}`);
  }
  if (url) {
    const from = url.from.replace(/\/+$/, '');
    const to = url.to.replace(/\/+$/, '');
    for (const name of ['WP_HOME', 'WP_SITEURL']) {
      out = out.replace(defineRe(name), (_m, head: string, old: string, tail: string) => `${head}${old.split(from).join(to)}${tail}`);
    }
  }
  return out;
}

/** DB_HOST as WordPress writes it. */
export function dbHostValue(host: string, port: number | null, socket: string | null): string {
  if (socket) return `${host}:${socket}`;
  return port ? `${host}:${port}` : host;
}
