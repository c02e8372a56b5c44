import { describe, expect, it } from 'vitest';
import { downloadFileName, safeNamePart, siteSlug, snapshotDate } from './download-name';

// Noon on 3 December 2026 on this computer's clock: the same date in any time zone the tests run in.
const time = new Date(2026, 11, 3, 12, 0).toISOString();
const name = (over: Partial<Parameters<typeof downloadFileName>[0]>) => downloadFileName({ site: 'Client A', time, paths: [], databaseOnly: false, format: 'zip', ...over });

describe('download names', () => {
  it('name the site and the snapshot’s date, then what the download holds', () => {
    expect(name({ databaseOnly: true, format: 'sql.gz' })).toBe('client-a-2026-12-03-database.sql.gz');
    expect(name({ databaseOnly: true, format: 'sql' })).toBe('client-a-2026-12-03-database.sql');
    expect(name({})).toBe('client-a-2026-12-03-files.zip');
    expect(name({ format: 'tar.gz' })).toBe('client-a-2026-12-03-files.tar.gz');
    expect(name({ paths: ['wp-content'] })).toBe('client-a-2026-12-03-wp-content.zip');
    expect(name({ paths: ['wp-content/themes/'], format: 'tar' })).toBe('client-a-2026-12-03-themes.tar');
    expect(name({ paths: ['wp-content', 'index.php'] })).toBe('client-a-2026-12-03-selection.zip');
  });

  it('keep a single file’s own name when it is downloaded as it is', () => {
    expect(name({ paths: ['wp-config.php'], format: 'file' })).toBe('wp-config.php');
    expect(name({ paths: ['wp-content/uploads/Café menu.pdf'], format: 'file' })).toBe('Café menu.pdf');
  });

  it('use the snapshot’s date on this computer’s calendar', () => {
    expect(snapshotDate(new Date(2027, 0, 9, 23, 59).toISOString())).toBe('2027-01-09');
    expect(snapshotDate('not a time')).toBeNull();
    expect(name({ time: 'not a time' })).toBe('client-a-files.zip');
  });

  it('turn the site’s name into a short lowercase slug, letters of any language kept', () => {
    expect(siteSlug('Client A')).toBe('client-a');
    expect(siteSlug('  Boulangerie Pâtissière — Lyon!  ')).toBe('boulangerie-pâtissière-lyon');
    expect(siteSlug('../../etc')).toBe('etc');
    expect(siteSlug('***')).toBe('site');
  });

  it('take nothing from a hostile name on the client’s server that could move, hide or disguise the file', () => {
    expect(safeNamePart('../../.bashrc')).toBe('_.._.bashrc');
    expect(name({ paths: ['a/..'], format: 'file' })).toBe('file');
    expect(name({ paths: ['.htaccess'], format: 'file' })).toBe('htaccess');
    expect(name({ paths: ['...'], format: 'file' })).toBe('file');
    expect(name({ paths: ['evil\\..\\x.php'], format: 'file' })).toBe('evil_.._x.php');
    expect(name({ paths: ['bad\u0000\u001b[31mname\n.php'], format: 'file' })).toBe('bad[31mname.php');
    // A right-to-left override would show "invoice‮fdp.exe" as "invoiceexe.pdf".
    expect(name({ paths: ['invoice\u202efdp.exe'], format: 'file' })).toBe('invoicefdp.exe');
    expect(name({ paths: ['a<b>c:d"e|f?g*h'], format: 'file' })).toBe('a_b_c_d_e_f_g_h');
    expect(name({ paths: ['NUL.txt'], format: 'file' })).toBe('_NUL.txt');
    expect(name({ paths: ['trailing. . '], format: 'file' })).toBe('trailing');
    expect(name({ paths: ['.hidden-folder'] })).toBe('client-a-2026-12-03-hidden-folder.zip');
    expect(name({ site: '.evil/../site' })).toBe('evil-site-2026-12-03-files.zip');
  });

  it('stay within a bounded length, whole characters and the extension kept', () => {
    const long = `${'é'.repeat(300)}.php`;
    const own = name({ paths: [long], format: 'file' });
    expect(Buffer.byteLength(own)).toBeLessThanOrEqual(200);
    expect(own).toMatch(/^é+\.php$/);
    const folder = name({ paths: ['x'.repeat(1000)], format: 'tar.gz' });
    expect(Buffer.byteLength(folder)).toBeLessThanOrEqual(200);
    expect(folder).toMatch(/^client-a-2026-12-03-x+\.tar\.gz$/);
    expect(safeNamePart('ab€cd', 4)).toBe('ab');
  });
});
