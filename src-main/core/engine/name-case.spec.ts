import { describe, expect, it } from 'vitest';
import { dropCaseCollisions, foldName, isReservedPath } from './name-case';
import type { TreeNode } from './tree';

const dir = (path: string) => ({ path, node: { name: path.split('/').pop()!, type: 'dir', mode: 0o755, mtime: 0, subtree: '0'.repeat(64) } as TreeNode });
const file = (path: string) => ({ path, node: { name: path.split('/').pop()!, type: 'file', mode: 0o644, mtime: 0, size: 0, content: [] } as TreeNode });
const link = (path: string) => ({ path, node: { name: path.split('/').pop()!, type: 'symlink', mode: 0o777, mtime: 0, target: '/etc' } as TreeNode });

describe('names on a disk that ignores case', () => {
  it('folds case and Unicode normalisation as macOS and Windows would, or more', () => {
    expect(foldName('README.txt')).toBe(foldName('readme.TXT'));
    expect(foldName('caf\u00e9')).toBe(foldName('CAFE\u0301'));
    expect(foldName('a')).not.toBe(foldName('b'));
  });

  it('reserves .sitevault whatever its case, and only at the top', () => {
    for (const path of ['.sitevault', '.SITEVAULT', '.SiteVault/database.sql']) expect(isReservedPath(path)).toBe(true);
    for (const path of ['sitevault', '.sitevault-part-1', 'wp/.sitevault', '.sitevaults']) expect(isReservedPath(path)).toBe(false);
  });

  it('keeps one of a/ and a link A (the folder), drops the other and nothing else', () => {
    const { kept, dropped } = dropCaseCollisions([link('A'), dir('a'), file('a/inner.txt'), file('b')]);
    expect(kept.map((n) => n.path)).toEqual(['a', 'a/inner.txt', 'b']);
    expect(dropped).toEqual([{ path: 'A', keptPath: 'a' }]);
  });

  it('drops everything inside a folder that gave way, and reports only the folder', () => {
    const { kept, dropped } = dropCaseCollisions([dir('Docs'), file('Docs/x'), dir('docs'), dir('docs/y'), file('docs/y/z'), file('docs/Z'), file('docs/z')]);
    expect(kept.map((n) => n.path)).toEqual(['Docs', 'Docs/x']);
    expect(dropped).toEqual([{ path: 'docs', keptPath: 'Docs' }]);
  });

  it("SiteVault's own .sitevault wins over a folder or link of the site that only differs in case", () => {
    const { kept, dropped } = dropCaseCollisions([dir('.SITEVAULT'), file('.SITEVAULT/database.sql'), dir('.sitevault'), file('.sitevault/database.sql')]);
    expect(kept.map((n) => n.path)).toEqual(['.sitevault', '.sitevault/database.sql']);
    expect(dropped).toEqual([{ path: '.SITEVAULT', keptPath: '.sitevault' }]);
  });

  it('compares names within one folder only', () => {
    const nodes = [dir('x'), file('x/a'), dir('y'), file('y/A')];
    expect(dropCaseCollisions(nodes)).toEqual({ kept: nodes, dropped: [] });
  });
});
