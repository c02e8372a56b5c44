import { describe, expect, it } from 'vitest';
import { defaultSnapshot, groupSnapshots } from './snapshot-groups';

const backup = (id: string) => ({ id, tags: [] as string[] });
const safety = (id: string, before: string) => ({ id, tags: ['safety', `before-restore-of:${before}`] });

describe('the history’s snapshots', () => {
  // Newest first: an undo's safety snapshot, the restore's safety snapshot, then two backups.
  const list = [safety('dddd0000ffff', 'cccc0000'), safety('cccc0000ffff', 'aaaa0000'), backup('bbbb0000ffff'), backup('aaaa0000ffff')];

  it('open on the latest real backup, not on a safety snapshot taken after it', () => {
    expect(defaultSnapshot(list)?.id).toBe('bbbb0000ffff');
    expect(defaultSnapshot([safety('cccc0000ffff', 'aaaa0000')])?.id).toBe('cccc0000ffff');
    expect(defaultSnapshot([])).toBeNull();
  });

  it('keep safety snapshots apart, each with the restore it protects', () => {
    const { backups, safety: kept } = groupSnapshots(list);
    expect(backups.map((s) => s.id)).toEqual(['bbbb0000ffff', 'aaaa0000ffff']);
    expect(kept.map((k) => [k.snapshot.id, k.before?.id ?? null, k.beforeId])).toEqual([
      ['dddd0000ffff', 'cccc0000ffff', 'cccc0000'],
      ['cccc0000ffff', 'aaaa0000ffff', 'aaaa0000'],
    ]);
  });

  it('still list a safety snapshot whose restored snapshot is gone or untagged', () => {
    const { safety: kept } = groupSnapshots([safety('eeee0000ffff', '99990000'), { id: 'ffff0000ffff', tags: ['safety'] }]);
    expect(kept.map((k) => [k.before, k.beforeId])).toEqual([
      [null, '99990000'],
      [null, null],
    ]);
  });
});
