import { describe, expect, it } from 'vitest';
import { compileRules, isExcluded } from './exclude-rules';
import { FIND_LIMITS, FindOutputParser, ListingLimitError, parseFindOutput } from './ssh-shell-source';
import { optionFile } from './database-dump';
import { shellQuote } from './ssh-exec';

const record = (...fields: string[]) => Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');

describe('parseFindOutput', () => {
  it('reads NUL-separated records, whatever the names hold', () => {
    const output = Buffer.concat([
      record('d', '755', '4096', '1700000000.5000000000', 'wp-content', ''),
      record('f', '644', '12', '1700000001.2500000000', 'wp-content/new\nline "q" ü.php', ''),
      record('l', '777', '9', '1700000002.0000000000', 'current', 'releases/1'),
      record('p', '644', '0', '1700000003.0000000000', 'a-fifo', ''),
    ]);
    const { entries, warnings } = parseFindOutput(output, () => false);
    expect(entries).toEqual([
      { path: 'wp-content', type: 'dir', mode: 0o755, mtime: 1_700_000_000_500, size: 0 },
      { path: 'wp-content/new\nline "q" ü.php', type: 'file', mode: 0o644, mtime: 1_700_000_001_250, size: 12 },
      { path: 'current', type: 'symlink', mode: 0o777, mtime: 1_700_000_002_000, size: 0, target: 'releases/1' },
    ]);
    expect(warnings).toEqual([{ path: 'a-fifo', message: 'skipped: not a regular file, folder or symlink' }]);
  });

  it('drops excluded folders with everything below them', () => {
    const rules = compileRules(['/wp-content/cache/']);
    const output = Buffer.concat([
      record('d', '755', '0', '1', 'wp-content', ''),
      record('d', '755', '0', '1', 'wp-content/cache', ''),
      record('f', '644', '5', '1', 'wp-content/cache/page.html', ''),
      record('f', '644', '5', '1', 'wp-content/index.php', ''),
    ]);
    const { entries } = parseFindOutput(output, (path, isDir) => isExcluded(rules, path, isDir));
    expect(entries.map((e) => e.path)).toEqual(['wp-content', 'wp-content/index.php']);
  });
});

describe('a find listing is bounded', () => {
  const limits = { maxFieldBytes: 1024, maxOtherFieldBytes: 32, maxEntries: 100, maxTotalBytes: 64 * 1024 };

  it('reads records split anywhere across chunks', () => {
    const output = Buffer.concat([record('f', '644', '1', '1', 'a'.repeat(1000), ''), record('d', '755', '0', '1', 'b', '')]);
    const parser = new FindOutputParser(() => false, limits);
    for (let at = 0; at < output.length; at += 7) parser.push(output.subarray(at, at + 7));
    expect(parser.entries.map((e) => e.path)).toEqual(['a'.repeat(1000), 'b']);
  });

  it('stops at a name longer than the bound (endless name without a NUL)', () => {
    const parser = new FindOutputParser(() => false, limits);
    parser.push(Buffer.from('f\0' + '644\0' + '1\0' + '1\0'));
    parser.push(Buffer.from('n'.repeat(1000)));
    expect(() => parser.push(Buffer.from('n'.repeat(100)))).toThrow(new ListingLimitError('a name or link target longer than 1 KiB'));
  });

  it('stops at a link target longer than the bound', () => {
    const parser = new FindOutputParser(() => false, limits);
    expect(() => parser.push(Buffer.concat([record('l', '777', '1', '1', 'link'), Buffer.from('t'.repeat(1100))]))).toThrow(new ListingLimitError('a name or link target longer than 1 KiB'));
  });

  it('stops at a type, mode, size or time field longer than its small bound (endless output without NULs)', () => {
    const parser = new FindOutputParser(() => false, limits);
    parser.push(Buffer.from('y\n'.repeat(16)));
    expect(() => parser.push(Buffer.from('y\n'))).toThrow(new ListingLimitError('a type, mode, size or time field longer than 32 bytes'));
    for (const fields of [['f'], ['f', '644'], ['f', '644', '1']]) {
      const another = new FindOutputParser(() => false, limits);
      expect(() => another.push(Buffer.concat([record(...fields), Buffer.from('9'.repeat(40))]))).toThrow(ListingLimitError);
    }
  });

  it('stops past the most bytes a listing may have, each record within its bounds', () => {
    const parser = new FindOutputParser(() => false, { ...limits, maxEntries: 1_000_000 });
    const one = (i: number) => record('f', '644', '1', '1', `${i}-${'n'.repeat(900)}`, '');
    let pushed = 0;
    const attempt = () => {
      for (let i = 0; i < 1000; i++) {
        const chunk = one(i);
        parser.push(chunk);
        pushed += chunk.length;
      }
    };
    expect(attempt).toThrow(new ListingLimitError('more than 64 KiB of file names and details'));
    expect(pushed).toBeLessThanOrEqual(64 * 1024);
    expect(parser.entries.length).toBe(Math.floor(pushed / one(0).length));
  });

  it('stops past the most entries a site may have, excluded ones counted', () => {
    const parser = new FindOutputParser((path) => path.startsWith('skip'), limits);
    const one = (i: number) => record('f', '644', '1', '1', i % 2 ? `skip${i}` : `keep${i}`, '');
    for (let i = 0; i < 100; i++) parser.push(one(i));
    expect(parser.entries).toHaveLength(50);
    expect(() => parser.push(one(100))).toThrow(new ListingLimitError('more than 100 files and folders'));
  });

  it('the real bounds: 64 KiB names, 4 KiB other fields, 2,000,000 entries, 512 MiB in all', () => {
    expect(FIND_LIMITS).toEqual({ maxFieldBytes: 64 * 1024, maxOtherFieldBytes: 4 * 1024, maxEntries: 2_000_000, maxTotalBytes: 512 * 1024 * 1024 });
  });
});

describe('quoting for the server', () => {
  it('quotes anything for a POSIX shell', () => {
    expect(shellQuote(`it's "$(rm -rf /)"`)).toBe(`'it'\\''s "$(rm -rf /)"'`);
  });

  it('writes a MySQL option file that survives quotes and backslashes', () => {
    expect(optionFile(`pa"ss\\word'$`)).toBe(`[client]\npassword="pa\\"ss\\\\word'$"\n`);
  });
});
