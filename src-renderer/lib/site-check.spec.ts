import { describe, expect, it } from 'vitest';
import { checkVerdict, type SiteCheckResult } from './site-check';

const found = { name: 'wp_a', user: 'wp', host: 'localhost' };
const check = (over: Partial<SiteCheckResult>): SiteCheckResult => ({
  folder: { path: '/home/a/site', exists: true },
  wpConfig: true,
  access: 'shell',
  database: { state: 'reachable', ...found, message: 'reachable as wp' },
  ...over,
});

describe('what the Verify step says, and what it offers', () => {
  it('a missing folder blocks saving and says where to pick another', () => {
    const verdict = checkVerdict(check({ folder: { path: '/home/a/sitee', exists: false }, wpConfig: false }));
    expect(verdict.ok).toBe(false);
    expect(verdict.findings[0]!.text).toMatch(/^The folder \/home\/a\/sitee does not exist on the server\./);
    expect(verdict.offers).toEqual(['pick-folder']);
  });

  it('no wp-config.php where WordPress is expected: another folder or the files alone', () => {
    const verdict = checkVerdict(check({ wpConfig: false, database: { state: 'not-found', name: null, user: null, host: null, message: null } }));
    expect(verdict.ok).toBe(false);
    expect(verdict.offers).toEqual(['pick-folder', 'files-only']);
  });

  it('an FTP or SFTP-only login cannot dump the database: the files alone are offered', () => {
    const verdict = checkVerdict(check({ access: 'ftp', database: { state: 'no-shell', ...found, message: null } }));
    expect(verdict).toMatchObject({ ok: false, offers: ['files-only'] });
    expect(verdict.findings[1]!.text).toContain('FTP (file transfer only)');
  });

  it('a database that refuses: enter it another way, or the files alone; files only is saved with a visible warning', () => {
    expect(checkVerdict(check({ database: { state: 'unreachable', ...found, message: 'Access denied for user' } }))).toMatchObject({ ok: false, offers: ['enter-database', 'files-only'] });
    const filesOnly = checkVerdict(check({ database: { state: 'none', name: null, user: null, host: null, message: null } }));
    expect(filesOnly.ok).toBe(true);
    expect(filesOnly.findings.find((f) => f.tone === 'warn')?.text).toMatch(/^Files only: the database will not be backed up/);
    expect(checkVerdict(check({})).ok).toBe(true);
  });
});

describe('a database entered by hand', () => {
  it('needs a name and a user; the host defaults to localhost and the port is a number', async () => {
    const { databaseOf } = await import('./site-check');
    expect(databaseOf({ host: '', port: '', name: 'wp', user: 'u', password: '' })).toEqual({ host: 'localhost', port: null, socket: null, name: 'wp', user: 'u' });
    expect(databaseOf({ host: 'db.example', port: '3307', name: 'wp', user: 'u', password: '' })).toMatchObject({ host: 'db.example', port: 3307 });
    expect(databaseOf({ host: '', port: 'x', name: 'wp', user: 'u', password: '' })).toMatch(/port is a number/);
    expect(databaseOf({ host: '', port: '', name: '', user: 'u', password: '' })).toMatch(/name and user/);
  });
});
