import { describe, expect, it } from 'vitest';
import { screenEntries } from './entry-names';
import type { SourceEntry, Warning } from './source';

const file = (path: string): SourceEntry => ({ path, type: 'file', mode: 0o644, mtime: 0, size: 1 });
const dir = (path: string): SourceEntry => ({ path, type: 'dir', mode: 0o755, mtime: 0, size: 0 });

describe('screenEntries', () => {
  it('keeps ordinary and odd-but-real names, in their listed order', () => {
    const entries = [file('a/..b'), dir('a'), file('a..b'), file('$(touch x)'), file(' lead'), file('new\nline')];
    const warnings: Warning[] = [];
    expect(screenEntries(entries, warnings)).toEqual(entries);
    expect(warnings).toEqual([]);
  });

  it('skips traversal, a slash slipped into a name, NUL and non-UTF-8 names, with a warning each', () => {
    const warnings: Warning[] = [];
    const kept = screenEntries([file('../../etc/passwd'), file('a/./b'), file('ghost/x'), file('nul\0'), file('caf\uFFFD.txt'), file('ok')], warnings);
    expect(kept.map((e) => e.path)).toEqual(['ok']);
    expect(warnings.map((w) => w.path)).toEqual(['../../etc/passwd', 'a/./b', 'nul\\u0000', 'caf\uFFFD.txt', 'ghost/x'].sort((a, b) => a.split('/').length - b.split('/').length));
    expect(warnings.find((w) => w.path === 'ghost/x')?.message).toMatch(/slash/);
    expect(warnings.find((w) => w.path.startsWith('caf'))?.message).toMatch(/not valid UTF-8/);
  });

  it('skips what is under a skipped folder without a warning per entry', () => {
    const warnings: Warning[] = [];
    const kept = screenEntries([dir('bad\uFFFD'), dir('bad\uFFFD/sub'), file('bad\uFFFD/sub/f'), dir('good'), file('good/f')], warnings);
    expect(kept.map((e) => e.path)).toEqual(['good', 'good/f']);
    expect(warnings).toHaveLength(1);
  });
});
