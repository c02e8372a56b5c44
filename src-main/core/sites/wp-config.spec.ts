import { describe, expect, it } from 'vitest';
import { wpConfig } from '../../../tests/harness/site-generator';
import { parseWpConfig } from './wp-config';

describe('parseWpConfig', () => {
  it('reads the generator’s wp-config.php, including a password with quotes and $', () => {
    const password = `db-pa'ss"w$rd#!\\x`;
    const php = wpConfig({ db: { host: '127.0.0.1', port: 3307, name: 'wp', user: 'wpuser', password }, tablePrefix: 'shop_' });
    expect(parseWpConfig(php)).toEqual({ name: 'wp', user: 'wpuser', password, host: '127.0.0.1', port: 3307, socket: null, tablePrefix: 'shop_' });
  });

  it('understands socket hosts, double quotes, spacing and comments', () => {
    const php = `<?php
      // define('DB_NAME', 'commented_out');
      /* define('DB_USER', 'also_not'); */
      define("DB_NAME", "live_db");
      define ( 'DB_USER' , 'live_user' ) ;
      define('DB_PASSWORD', "with \\"escaped\\" quotes");
      define('DB_HOST', 'localhost:/var/run/mysqld/mysqld.sock');
      # a shell-style comment
      $table_prefix  = 'wp2_';`;
    expect(parseWpConfig(php)).toEqual({
      name: 'live_db',
      user: 'live_user',
      password: 'with "escaped" quotes',
      host: 'localhost',
      port: null,
      socket: '/var/run/mysqld/mysqld.sock',
      tablePrefix: 'wp2_',
    });
  });

  it('defaults the host to localhost and the prefix to wp_', () => {
    expect(parseWpConfig("<?php define('DB_NAME','a'); define('DB_USER','b');")).toMatchObject({ host: 'localhost', port: null, tablePrefix: 'wp_', password: '' });
  });

  it('returns null when the database settings are missing', () => {
    expect(parseWpConfig('<?php echo "not a config";')).toBeNull();
  });
});
