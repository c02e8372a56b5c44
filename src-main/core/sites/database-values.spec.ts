import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import { optionFile } from './database-dump';
import { mysqlImportCommand } from './database-import';
import { assertSafeDatabaseValues, MAX_DATABASE_VALUE_BYTES, unsafeDatabaseField } from './database-values';
import { parseWpConfig } from './wp-config';

const db = { host: 'localhost', port: null, socket: null, name: 'wp', user: 'wpuser' };

describe('database values from wp-config.php', () => {
  it('names the field that holds a line break or NUL', () => {
    const parsed = parseWpConfig(`<?php define('DB_NAME', 'wp'); define('DB_USER', 'u'); define('DB_PASSWORD', "x\\n[mysqldump]\\nresult-file=/tmp/p");`)!;
    expect(parsed.password).toContain('\n');
    expect(unsafeDatabaseField({ ...db, user: parsed.user, name: parsed.name }, parsed.password)).toEqual({ field: 'database password (DB_PASSWORD)', problem: 'contains a line break or NUL character' });
    expect(unsafeDatabaseField({ ...db, name: 'wp\r' }, 'fine')).toMatchObject({ field: 'database name (DB_NAME)' });
    expect(unsafeDatabaseField({ ...db, host: 'h\0' }, 'fine')).toMatchObject({ field: 'database host (DB_HOST)' });
    expect(unsafeDatabaseField({ ...db, socket: '/s\n' }, 'fine')).toMatchObject({ field: 'database socket (in DB_HOST)' });
    expect(unsafeDatabaseField(db, `quotes ' " and \\ and # are fine`)).toBeNull();
  });

  it('refuses with UNSAFE_DATABASE_SETTINGS, and the option file refuses too', () => {
    expect(() => assertSafeDatabaseValues({ ...db, user: 'a\nb' }, 'pw', 'wp-config.php')).toThrowError(ApiError);
    expect(() => optionFile('a\n[client]\nplugin-dir=/tmp')).toThrowError(/line break/);
  });

  it('refuses a value the MySQL client would read as two option-file lines (it splits lines past 4,095 bytes)', () => {
    const smuggled = `${'x'.repeat(4085)}plugin-dir=/tmp/evil`;
    expect(unsafeDatabaseField(db, smuggled)).toEqual({ field: 'database password (DB_PASSWORD)', problem: `is longer than ${MAX_DATABASE_VALUE_BYTES} bytes` });
    expect(() => optionFile(smuggled)).toThrowError(/longer than 1024 bytes/);
    expect(unsafeDatabaseField({ ...db, user: 'u'.repeat(2000) }, 'pw')).toMatchObject({ field: 'database user (DB_USER)' });
    // The longest accepted value, with every character escaped, still fits one line.
    const longest = '"'.repeat(MAX_DATABASE_VALUE_BYTES);
    expect(unsafeDatabaseField(db, longest)).toBeNull();
    expect(Buffer.byteLength(optionFile(longest).split('\n')[1]!)).toBeLessThan(4095);
  });

  it('imports refuse LOAD DATA LOCAL (a dump must not read the server’s files)', () => {
    expect(mysqlImportCommand(db)).toMatch(/exec mysql --defaults-extra-file=\/dev\/fd\/3 --local-infile=0 /);
  });
});
