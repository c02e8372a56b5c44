import { describe, expect, it } from 'vitest';
import type { SourceEntry } from '../engine/source';
import type { SelectedNode } from '../engine/tree-walk';
import { planRestore } from './restore-plan';

const H = '0'.repeat(64);
const file = (path: string, size: number, mtime: number, mode = 0o644): SelectedNode => ({ path, node: { name: path.split('/').pop()!, type: 'file', mode, mtime, size, content: [H] } });
const dir = (path: string, mtime = 5000, mode = 0o755): SelectedNode => ({ path, node: { name: path.split('/').pop()!, type: 'dir', mode, mtime, subtree: H } });
const link = (path: string, target: string): SelectedNode => ({ path, node: { name: path.split('/').pop()!, type: 'symlink', mode: 0o777, mtime: 0, target } });
const live = (path: string, type: SourceEntry['type'], size = 0, mtime = 5000, mode = 0o644, target?: string): SourceEntry => ({ path, type, size, mtime, mode, target });

describe('planRestore', () => {
  it('sorts every entry into unchanged, new, changed, in doubt, metadata only, replaced and extra', () => {
    const plan = planRestore(
      [
        dir('a'),
        file('a/same', 10, 5000),
        file('a/new', 3, 5000),
        file('a/size', 4, 5000),
        file('a/touched', 10, 9000),
        file('a/mode', 10, 5000, 0o600),
        file('was-link', 2, 5000),
        link('l', 'a/same'),
        dir('b'),
      ],
      [
        live('a', 'dir', 0, 5000, 0o755),
        live('a/same', 'file', 10, 5999),
        live('a/size', 'file', 5, 5000),
        live('a/touched', 'file', 10, 5000),
        live('a/mode', 'file', 10, 5000, 0o644),
        live('was-link', 'symlink', 0, 5000, 0o777, '/etc/passwd'),
        live('l', 'symlink', 0, 0, 0o777, 'a/same'),
        live('extra', 'dir', 0, 5000, 0o755),
        live('extra/inside', 'file', 1, 5000),
        live('a/.sitevault-part-0123abcd', 'file', 7),
        live('.sitevault', 'dir', 0, 5000, 0o755),
      ],
      [],
    );
    const reasons = Object.fromEntries(plan.writes.map((w) => [w.path, w.reason]));
    expect(reasons).toEqual({ 'a/new': 'new', 'a/size': 'changed', 'was-link': 'replaces another type', b: 'folder', a: 'folder times' });
    expect(plan.doubts.map((d) => d.path)).toEqual(['a/touched']);
    expect(plan.metadata.map((m) => m.path)).toEqual(['a/mode']);
    expect(plan.replace).toEqual([{ path: 'was-link', type: 'symlink' }]);
    expect(plan.extra).toEqual([{ path: 'extra', type: 'dir' }]);
    expect(plan.leftovers).toEqual([{ path: 'a/.sitevault-part-0123abcd', type: 'file' }]);
    // a/same (mtime within the same second), the symlink with the same target
    expect(plan.unchanged).toBe(2);
    // Folder times come after everything written inside them.
    expect(plan.writes.at(-1)!.path).toBe('a');
  });

  it('a staging folder left by an interrupted restore over SSH is removed whole, and nothing inside counts as extra', () => {
    const plan = planRestore(
      [file('f', 1, 5000)],
      [live('f', 'file', 1), live('.sitevault-part-00ff', 'dir', 0, 5000, 0o700), live('.sitevault-part-00ff/wp-content', 'dir'), live('.sitevault-part-00ff/wp-content/x.php', 'file', 3)],
      [],
    );
    expect(plan.leftovers).toEqual([{ path: '.sitevault-part-00ff', type: 'dir' }]);
    expect(plan.extra).toEqual([]);
  });

  it('a folder where the snapshot has a file is removed with its contents, and nothing inside counts as extra', () => {
    const plan = planRestore([file('x', 1, 5000)], [live('x', 'dir', 0, 5000, 0o755), live('x/y', 'file', 1)], []);
    expect(plan.replace).toEqual([{ path: 'x', type: 'dir' }]);
    expect(plan.extra).toEqual([]);
    expect(plan.writes.map((w) => [w.path, w.reason])).toEqual([['x', 'replaces another type']]);
  });

  it('with selected paths, only entries inside them count as extra, and missing parents are created plainly', () => {
    const parent: SelectedNode = { ...dir('p'), implied: true };
    const plan = planRestore([parent, dir('p/q'), file('p/q/f', 1, 5000)], [live('other', 'file', 1), live('p/q/stale', 'file', 1)], ['p/q']);
    expect(plan.impliedDirs).toEqual(['p']);
    expect(plan.extra).toEqual([{ path: 'p/q/stale', type: 'file' }]);
    expect(plan.writes.map((w) => w.path)).toEqual(['p/q', 'p/q/f']);
  });
});
