import { describe, expect, it } from 'vitest';
import { restorableMode, restorableNode } from './modes';

describe('restorable modes', () => {
  it('drops setuid and setgid, keeps the permission bits and the sticky bit', () => {
    expect(restorableMode(0o4755)).toBe(0o755);
    expect(restorableMode(0o2775)).toBe(0o775);
    expect(restorableMode(0o6711)).toBe(0o711);
    expect(restorableMode(0o1777)).toBe(0o1777);
    expect(restorableMode(0o100644)).toBe(0o644);
  });

  it('copies a node only when its mode changes', () => {
    const plain = { name: 'a', type: 'symlink' as const, mode: 0o777, mtime: 0, target: 'b' };
    expect(restorableNode(plain)).toBe(plain);
    const setuid = { name: 'x', type: 'file' as const, mode: 0o4755, mtime: 1, size: 0, content: [] };
    expect(restorableNode(setuid)).toEqual({ ...setuid, mode: 0o755 });
    expect(setuid.mode).toBe(0o4755);
  });
});
