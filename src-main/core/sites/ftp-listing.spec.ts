import { parseList } from 'basic-ftp';
import { describe, expect, it } from 'vitest';
import { listedEntry, parseListTime } from './ftp-source';

/** Listings as real servers send them, through basic-ftp's parser and SiteVault's reading of each item. */
function read(listing: string) {
  return parseList(listing).map((info) => listedEntry(info, info.name));
}

describe('FTP listings in unusual formats', () => {
  it('Unix LIST: spaces in names, a year instead of a time, a link with its target', () => {
    const out = read(
      [
        'total 12',
        'drwxr-x---    3 1001     1001         4096 Mar  3  2019 old uploads',
        '-rw-r-----    1 ftp      ftp          1234 Nov 30 14:05 wp-config.php',
        'lrwxrwxrwx    1 ftp      ftp            11 Jan  1  2024 current -> releases/42',
      ].join('\r\n'),
    );
    expect(out).toEqual([
      { entry: expect.objectContaining({ path: 'old uploads', type: 'dir', mode: 0o750 }) },
      { entry: expect.objectContaining({ path: 'wp-config.php', type: 'file', mode: 0o640, size: 1234 }) },
      { entry: expect.objectContaining({ path: 'current', type: 'symlink', target: 'releases/42' }) },
    ]);
    const year = out[0]!;
    expect('entry' in year && new Date(year.entry.mtime).getUTCFullYear()).toBe(2019);
  });

  it('DOS / IIS LIST: folders and files, 12-hour times, no permissions', () => {
    const out = read(['04-27-21  09:09PM       <DIR>          wp-content', '11-02-23  10:15AM                18432 index.php'].join('\r\n'));
    expect(out).toEqual([
      { entry: expect.objectContaining({ path: 'wp-content', type: 'dir', mode: 0o755 }) },
      { entry: expect.objectContaining({ path: 'index.php', type: 'file', mode: 0o644, size: 18432 }) },
    ]);
  });

  it('MLSD with mixed-case facts, a name with semicolons and spaces, and a link without its target', () => {
    const out = read(
      ['Type=cdir;Modify=20240101000000;UNIX.mode=0755; .', 'type=file;size=42;modify=20231224183000;UNIX.mode=0600; a;b c.txt', 'type=OS.unix=symlink;modify=20200101000000; dangling'].join('\r\n'),
    );
    expect(out).toEqual([
      { entry: expect.objectContaining({ path: 'a;b c.txt', type: 'file', size: 42, mode: 0o600, mtime: Date.UTC(2023, 11, 24, 18, 30) }) },
      { warning: expect.objectContaining({ path: 'dangling', message: expect.stringMatching(/symbolic link/) }) },
    ]);
  });
});

describe('parseListTime', () => {
  const now = new Date(Date.UTC(2026, 11, 2, 12, 0));
  it('reads Unix times with and without a year, and puts a future month in last year', () => {
    expect(parseListTime('Mar  3  2019', now)).toBe(Date.UTC(2019, 2, 3));
    expect(parseListTime('Nov 30 14:05', now)).toBe(Date.UTC(2026, 10, 30, 14, 5));
    expect(parseListTime('Dec 24 18:30', now)).toBe(Date.UTC(2025, 11, 24, 18, 30));
  });
  it('reads DOS times, 12-hour and 24-hour, two- and four-digit years', () => {
    expect(parseListTime('04-27-21 09:09PM', now)).toBe(Date.UTC(2021, 3, 27, 21, 9));
    expect(parseListTime('04-27-21 12:01AM', now)).toBe(Date.UTC(2021, 3, 27, 0, 1));
    expect(parseListTime('11-02-1999 13:15', now)).toBe(Date.UTC(1999, 10, 2, 13, 15));
  });
  it('gives null for what it cannot read', () => {
    expect(parseListTime('yesterday', now)).toBeNull();
    expect(parseListTime('Foo  3  2019', now)).toBeNull();
  });
});
