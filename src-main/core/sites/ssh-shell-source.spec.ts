import { describe, expect, it } from 'vitest';
import { compileRules, isExcluded } from './exclude-rules';
import { parseFindOutput } from './ssh-shell-source';
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

describe('quoting for the server', () => {
  it('quotes anything for a POSIX shell', () => {
    expect(shellQuote(`it's "$(rm -rf /)"`)).toBe(`'it'\\''s "$(rm -rf /)"'`);
  });

  it('writes a MySQL option file that survives quotes and backslashes', () => {
    expect(optionFile(`pa"ss\\word'$`)).toBe(`[client]\npassword="pa\\"ss\\\\word'$"\n`);
  });
});
