import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHarnessInfo } from '../../harness/harness';
import { rootSql, type MariadbInfo } from '../../harness/mariadb';

let db: MariadbInfo;
beforeAll(async () => {
  const info = await loadHarnessInfo();
  if (!info.mariadb) throw new Error('harness started without MariaDB');
  db = info.mariadb;
});

describe('harness MariaDB (real server)', () => {
  it('lets the wp user query its database over TCP', async () => {
    const connection = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.wp.user,
      password: db.wp.password,
      database: db.wp.database,
    });
    try {
      await connection.query('CREATE TABLE IF NOT EXISTS harness_probe (id int primary key, note varchar(50)) CHARSET utf8mb4');
      await connection.query('REPLACE INTO harness_probe VALUES (1, ?)', ['Grüße "quoted"']);
      const [rows] = await connection.query('SELECT note FROM harness_probe WHERE id = 1');
      expect(rows).toEqual([{ note: 'Grüße "quoted"' }]);
      const [version] = await connection.query('SELECT VERSION() AS v');
      expect(String((version as Array<{ v: string }>)[0]?.v)).toMatch(/MariaDB/);
    } finally {
      await connection.query('DROP TABLE IF EXISTS harness_probe');
      await connection.end();
    }
  });

  it('refuses a wrong password with ER_ACCESS_DENIED_ERROR', async () => {
    await expect(mysql.createConnection({ host: db.host, port: db.port, user: db.wp.user, password: 'nope', database: db.wp.database })).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
  });

  it('gives root access on the private socket for test setup', async () => {
    expect((await rootSql(db, 'SELECT 1+1;')).trim()).toBe('2');
  });
});
