import type { Client } from 'ssh2';
import { ApiError } from '../contract/errors';
import { connectionArgs, optionFile, type DatabaseTarget } from './database-dump';
import { optionFileValue } from './database-values';
import { execRemote, runRemote, shellQuote } from './ssh-exec';

/** The password as an option-file value without its quotes, sent as the first line of stdin. */
function passwordLine(password: string): string {
  return `${optionFileValue(password).slice(1, -1)}\n`;
}

/**
 * The import command, with LOAD DATA LOCAL refused (a dump must not read the server's files). The shell reads the password from the first line of stdin (`read` is
 * a builtin, so it is never in an argument list) and hands mysql an option file through a
 * here-document on fd 3; the rest of stdin is the SQL.
 */
export function mysqlImportCommand(db: DatabaseTarget): string {
  return [
    'IFS= read -r pw || exit 97',
    `exec mysql --defaults-extra-file=/dev/fd/3 --local-infile=0 ${connectionArgs(db)} --binary-mode --default-character-set=utf8mb4 -- ${shellQuote(db.name)} 3<<SITEVAULT_OPTIONS`,
    '[client]',
    'password="$pw"',
    'SITEVAULT_OPTIONS',
  ].join('\n');
}

/**
 * Loads a dump into the site's database over SSH. The first error stops the import and is
 * reported with mysql's own message (which names the line).
 */
export async function importOverSsh(client: Client, db: DatabaseTarget, password: string, sql: AsyncIterable<Buffer>): Promise<void> {
  const first = passwordLine(password);
  const input = (async function* () {
    yield Buffer.from(first, 'utf8');
    yield* sql;
  })();
  const process = await execRemote(client, mysqlImportCommand(db), input);
  for await (const _ of process.stdout);
  const [{ code }, stderr, sending] = await Promise.all([
    process.exit,
    process.stderr,
    process.stdinSent.then(
      () => null,
      (error: unknown) => error as Error,
    ),
  ]);
  if (code === 0 && !sending) return;
  const reason =
    stderr
      .split('\n')
      .find((line) => line.trim() && !/^Warning/.test(line))
      ?.trim() ??
    sending?.message ??
    `exit ${code}`;
  throw new ApiError('CONNECTION_FAILED', `Importing the database into ${db.name} failed: ${reason.replace(/^mysql: /, '')}`);
}

/** The tables the site's database has now. */
export async function listTables(client: Client, db: DatabaseTarget, password: string): Promise<string[]> {
  const result = await runRemote(
    client,
    `exec mysql --defaults-extra-file=/dev/stdin --local-infile=0 ${connectionArgs(db)} --batch --skip-column-names -e 'SHOW TABLES' -- ${shellQuote(db.name)}`,
    optionFile(password),
  );
  if (result.code !== 0) throw new ApiError('CONNECTION_FAILED', `Cannot read the tables of ${db.name}: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`}`);
  return result.stdout.toString('utf8').split('\n').filter(Boolean);
}

/** What a dump holds, found by reading it once: its tables and WordPress's siteurl. */
export async function inspectDump(sql: AsyncIterable<Buffer>): Promise<{ tables: string[]; siteUrl: string | null }> {
  const tables: string[] = [];
  let siteUrl: string | null = null;
  let tail = '';
  for await (const chunk of sql) {
    const text = tail + chunk.toString('latin1');
    for (const match of text.matchAll(/^CREATE TABLE `((?:[^`]|``)+)`/gm)) {
      const name = Buffer.from(match[1]!.replace(/``/g, '`'), 'latin1').toString('utf8');
      if (!tables.includes(name)) tables.push(name);
    }
    if (siteUrl === null) {
      const match = /\(\d+,'siteurl','((?:[^'\\]|\\.)*)'/.exec(text);
      if (match) siteUrl = Buffer.from(match[1]!.replace(/\\(.)/g, '$1'), 'latin1').toString('utf8');
    }
    tail = text.slice(-4096);
  }
  return { tables, siteUrl };
}
