import { hostname } from 'node:os';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../../src-main/core/backends/local-backend';
import { Repository } from '../../../src-main/core/engine/repository';
import { restoreToFolder } from '../../../src-main/core/engine/restore';
import { loadSnapshot, type Snapshot } from '../../../src-main/core/engine/snapshots';
import { encodeTree, type TreeNode } from '../../../src-main/core/engine/tree';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-hostile-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Writes a snapshot whose root tree holds the given nodes, as a tampered repository would. */
async function snapshotWithTree(repo: Repository, nodes: TreeNode[]): Promise<string> {
  const writer = repo.newBlobWriter();
  const content = (await writer.save('data', Buffer.from('owned'))).id;
  const withContent = nodes.map((n) => (n.type === 'file' ? { ...n, content: [content], size: 5 } : n));
  const tree = (await writer.save('tree', encodeTree(withContent))).id;
  await writer.flush();
  const snapshot: Snapshot = {
    version: 1,
    time: new Date().toISOString(),
    site: 'evil',
    hostname: hostname(),
    tags: [],
    kind: 'files',
    parent: null,
    tree,
    source: '/x',
    stats: { files: 1, dirs: 0, bytes: 5, files_new: 1, files_changed: 0, files_unchanged: 0, bytes_read: 5, bytes_added: 0, duration_s: 0 },
    warnings: [],
    original: null,
  };
  return (await repo.saveJson('snapshots', snapshot)).id;
}

describe('restore never trusts names from the repository', () => {
  const file = (name: string): TreeNode => ({ name, type: 'file', mode: 0o644, mtime: 0, size: 5, content: [] });

  it.each(['../escape.txt', '..', '.', 'a/b.txt', '/etc/cron.d/x', '', 'nul\0byte'])('refuses the tree entry %j and writes nothing', async (name) => {
    const repo = await Repository.init(new LocalBackend(join(work, `repo-${Math.random()}`)), 'p');
    const id = await snapshotWithTree(repo, [file('fine.txt'), file(name)]);
    const target = join(work, `target-${Math.random()}`, 'inner');
    await expect(restoreToFolder(repo, await loadSnapshot(repo, id), target)).rejects.toThrow(/single clean path segment/);
    expect(await readdir(join(target, '..')).catch(() => [])).toEqual([]);
  });

  it('refuses duplicate names in one folder', async () => {
    const repo = await Repository.init(new LocalBackend(join(work, 'dup')), 'p');
    const id = await snapshotWithTree(repo, [file('same.txt'), file('same.txt')]);
    await expect(restoreToFolder(repo, await loadSnapshot(repo, id), join(work, 'dup-target'))).rejects.toThrow(/single clean path segment/);
  });

  it('does not write through a symlink already in the target; symlinks are recreated, not followed', async () => {
    const repo = await Repository.init(new LocalBackend(join(work, 'links')), 'p');
    const id = await snapshotWithTree(repo, [file('wp-config.php'), { name: 'outward', type: 'symlink', mode: 0o777, mtime: 0, target: '/etc' }]);
    const outside = join(work, 'outside');
    await mkdir(outside);
    const target = join(work, 'links-target');
    await mkdir(target);
    // An attacker-planted link where the snapshot has a file:
    await symlink(join(outside, 'victim.php'), join(target, 'wp-config.php'));
    await writeFile(join(outside, 'victim.php'), 'untouched');
    await restoreToFolder(repo, await loadSnapshot(repo, id), target);
    expect(await readFile(join(outside, 'victim.php'), 'utf8')).toBe('untouched');
    expect((await lstat(join(target, 'wp-config.php'))).isFile()).toBe(true);
    expect(await readFile(join(target, 'wp-config.php'), 'utf8')).toBe('owned');
    expect(await readlink(join(target, 'outward'))).toBe('/etc');
  });
});
