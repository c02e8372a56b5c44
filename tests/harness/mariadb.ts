import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canConnect, freePort } from './ports';
import { startDaemon, waitFor, type Daemon } from './processes';
import { run } from './system';
import { testPassword, userIds } from './users';

export interface MariadbInfo {
  host: string;
  port: number;
  socket: string;
  /** Option file for root over the private socket (unix_socket auth): for test setup only. */
  rootDefaultsFile: string;
  /** The site's database, as a WordPress wp-config.php would name it. */
  wp: { database: string; user: string; password: string };
  daemon: Daemon;
}

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function startMariadb(stateDir: string): Promise<MariadbInfo> {
  const dir = join(stateDir, 'mariadb');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const mysql = await userIds('mysql');
  await chown(dir, mysql.uid, mysql.gid);
  await chown(dataDir, mysql.uid, mysql.gid);

  const port = await freePort();
  const socket = join(dir, 'mariadbd.sock');
  const config = join(dir, 'my.cnf');
  await writeFile(
    config,
    [
      '[client-server]',
      `socket=${socket}`,
      `port=${port}`,
      '',
      '[mariadbd]',
      'user=mysql',
      `datadir=${dataDir}`,
      'bind-address=127.0.0.1',
      `pid-file=${join(dir, 'mariadbd.pid')}`,
      `log-error=${join(dir, 'error.log')}`,
      'skip-name-resolve',
      'innodb_buffer_pool_size=64M',
      'innodb_log_file_size=16M',
      '',
    ].join('\n'),
  );
  // --defaults-file must come first.
  await run('mariadb-install-db', [`--defaults-file=${config}`, '--skip-test-db', '--auth-root-authentication-method=socket'], {
    timeoutMs: 120_000,
  });
  const logFile = join(dir, 'stdout.log');
  const daemon = startDaemon('mariadbd', '/usr/sbin/mariadbd', [`--defaults-file=${config}`], logFile);
  await waitFor(`MariaDB on 127.0.0.1:${port}`, () => canConnect(port), 60_000, join(dir, 'error.log'));

  const wp = { database: 'wp', user: 'wpuser', password: testPassword('db') };
  const grant = (host: string) =>
    `CREATE USER ${sqlString(wp.user)}@${sqlString(host)} IDENTIFIED BY ${sqlString(wp.password)};\n` +
    `GRANT ALL ON \`${wp.database}\`.* TO ${sqlString(wp.user)}@${sqlString(host)};\n` +
    // Restores into other databases (staging copies, test restores) use wp_* names.
    `GRANT ALL ON \`wp\\_%\`.* TO ${sqlString(wp.user)}@${sqlString(host)};\n`;
  await run('mariadb', [`--defaults-file=${config}`, '-uroot'], {
    input: `CREATE DATABASE \`${wp.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n` + grant('127.0.0.1') + grant('localhost') + 'FLUSH PRIVILEGES;\n',
  });
  return { host: '127.0.0.1', port, socket, rootDefaultsFile: config, wp, daemon };
}

/** Runs SQL as root on the private socket (test setup and assertions). */
export async function rootSql(info: MariadbInfo, sql: string, database?: string): Promise<string> {
  const args = [`--defaults-file=${info.rootDefaultsFile}`, '-uroot', '--batch', '--skip-column-names'];
  if (database) args.push(database);
  return (await run('mariadb', args, { input: sql, timeoutMs: 120_000 })).stdout;
}
