import type { Client } from 'ssh2';
import { ApiError } from '../contract/errors';
import { ConnectionLostError } from '../engine/source';
import { optionFileValue } from './database-values';
import { execRemote, runRemote, shellQuote } from './ssh-exec';

export interface DatabaseTarget {
  host: string;
  port: number | null;
  socket: string | null;
  name: string;
  user: string;
}

/** A MySQL option file on stdin: the password never appears on a command line. */
export function optionFile(password: string): string {
  return `[client]\npassword=${optionFileValue(password)}\n`;
}

export function connectionArgs(db: DatabaseTarget): string {
  const args = [`--user=${shellQuote(db.user)}`];
  if (db.socket) args.push(`--socket=${shellQuote(db.socket)}`);
  else {
    // "localhost" means the Unix socket to MySQL clients; other hosts go over TCP.
    args.push(`--host=${shellQuote(db.host)}`);
    if (db.port) args.push(`--port=${db.port}`, '--protocol=TCP');
  }
  return args.join(' ');
}

/** The dump command; run by the login shell with the options on stdin. */
export function mysqldumpCommand(db: DatabaseTarget): string {
  return (
    'set -o pipefail 2>/dev/null; exec mysqldump --defaults-extra-file=/dev/stdin ' +
    '--single-transaction --quick --routines --triggers --hex-blob --default-character-set=utf8mb4 ' +
    `${connectionArgs(db)} -- ${shellQuote(db.name)}`
  );
}

/** The longest part of a server's error line SiteVault keeps (it goes to the catalog, alerts and client reports). */
export const MAX_SERVER_REASON = 300;

/**
 * A line the client's server wrote, made fit to show and keep: a compromised server writes
 * what it likes there. Control characters go, the length is bounded, and the password (which a
 * swapped mysqldump could echo) is never repeated.
 */
export function serverReason(line: string, password: string): string {
  let reason = line.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim();
  if (password) reason = reason.split(password).join('***');
  return reason.length > MAX_SERVER_REASON ? `${reason.slice(0, MAX_SERVER_REASON)}…` : reason;
}

/**
 * Streams `mysqldump` of the site's database from the server. The stream throws at its end
 * if the dump failed, so a failed dump is never stored as a good one.
 */
export async function* dumpOverSsh(client: Client, db: DatabaseTarget, password: string): AsyncGenerator<Buffer> {
  const process = await execRemote(client, mysqldumpCommand(db), optionFile(password));
  let bytes = 0;
  for await (const chunk of process.stdout) {
    bytes += chunk.length;
    yield chunk;
  }
  const [{ code }, stderr] = await Promise.all([process.exit, process.stderr]);
  if (code === null) throw new ConnectionLostError(`dumping the database ${db.name}`);
  if (code !== 0 || bytes === 0) {
    const reason = serverReason(stderr.split('\n').find((line) => line.trim() && !/Warning/.test(line)) ?? `exit ${code}`, password);
    throw new ApiError('CONNECTION_FAILED', `The database dump of ${db.name} failed on the server: ${reason.replace(/^mysqldump: /, '')}`);
  }
}

/** Whether the database answers, for `site test`. */
export async function databaseReachable(client: Client, db: DatabaseTarget, password: string): Promise<{ ok: boolean; message: string }> {
  const result = await runRemote(
    client,
    `exec mysql --defaults-extra-file=/dev/stdin --local-infile=0 ${connectionArgs(db)} --batch --skip-column-names -e 'SELECT 1' -- ${shellQuote(db.name)}`,
    optionFile(password),
  );
  if (result.code === 0 && result.stdout.toString().trim() === '1') return { ok: true, message: `reachable as ${db.user}` };
  return { ok: false, message: serverReason(result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`, password) };
}
