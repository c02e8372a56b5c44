import { hostname, tmpdir } from 'node:os';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, chmod, writeFile } from 'node:fs/promises';
import { renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { LocalBackend } from '../../../src-main/core/backends/local-backend';
import { openRestoredDump, testRestore } from '../../../src-main/core/automation/test-restore';
import { Repository } from '../../../src-main/core/engine/repository';
import { restoreToFolder } from '../../../src-main/core/engine/restore';
import { loadSnapshot, type Snapshot } from '../../../src-main/core/engine/snapshots';
import { encodeTree, type TreeNode } from '../../../src-main/core/engine/tree';

/**
 * Issue 13, point 6: on a disk that ignores case (macOS, Windows), `a/` and a link `A` are one
 * name. Linux is case-sensitive, so these tests check the rule itself (names that collide when
 * case is ignored: one is written, the other is a warning), that modes and times are never set
 * through a link, that `.sitevault` is reserved in any case, and that a test restore reads its
 * dump through no link.
 */
let work: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: join(work, 'home'), SITEVAULT_PASSPHRASE: 'case repo passphrase', ...extra });
const { sv, json } = cliWith(env);
const OLD = new Date('2020-02-02T02:02:02Z');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-case-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A folder outside every target, with a mode and an mtime a restore must never change. */
async function outsideFolder(name: string): Promise<{ dir: string; state: () => Promise<string[]> }> {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'inner.txt'), 'outside, untouched');
  await chmod(join(dir, 'inner.txt'), 0o644);
  await chmod(dir, 0o755);
  await utimes(join(dir, 'inner.txt'), OLD, OLD);
  await utimes(dir, OLD, OLD);
  const state = async () => {
    const out: string[] = [];
    for (const path of [dir, ...(await readdir(dir)).map((n) => join(dir, n))]) {
      const info = await lstat(path);
      out.push(`${path} ${(info.mode & 0o7777).toString(8)} ${info.mtimeMs} ${info.isFile() ? await readFile(path, 'utf8') : ''}`);
    }
    return out;
  };
  return { dir, state };
}

describe('names that differ only in case', () => {
  it('a snapshot holding a/ and a link A restores a/ and leaves A out with a warning naming it; nothing outside changes', async () => {
    const outside = await outsideFolder('outside-collision');
    const before = await outside.state();
    const site = join(work, 'site-collision');
    await mkdir(join(site, 'a'), { recursive: true });
    await writeFile(join(site, 'a', 'inner.txt'), 'the site folder a/');
    await chmod(join(site, 'a', 'inner.txt'), 0o600);
    await chmod(join(site, 'a'), 0o700);
    await utimes(join(site, 'a', 'inner.txt'), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    await utimes(join(site, 'a'), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    await symlink(outside.dir, join(site, 'A'));
    const repo = join(work, 'repo-collision');
    expect((await sv(['init', '--repo', repo])).code).toBe(0);
    const backup = await json(['backup', '--repo', repo, '--source', site, '--site', 'collision', '--json']);

    const target = join(work, 'target-collision');
    // This disk keeps case apart; the restore is told to treat the target as one that does not (macOS, Windows).
    const ignoreCase = { SITEVAULT_TARGET_IGNORES_CASE: '1' };
    const restored = await sv(['restore', '--repo', repo, backup.id, '--target', target, '--json'], ignoreCase);
    expect(restored.code, restored.stderr).toBe(0);
    const result = JSON.parse(restored.stdout);
    expect(result.warnings).toEqual([{ path: 'A', message: expect.stringMatching(/^not written: its name differs only in case from a, and a disk that ignores case \(macOS, Windows\) cannot hold both/) }]);
    expect(result.failed).toEqual([]);
    expect(await readdir(target)).toEqual(['a']);
    expect(await readFile(join(target, 'a', 'inner.txt'), 'utf8')).toBe('the site folder a/');
    expect((await stat(join(target, 'a', 'inner.txt'))).mode & 0o777).toBe(0o600);
    expect(await outside.state()).toEqual(before);

    const text = await sv(['restore', '--repo', repo, backup.id, '--target', join(work, 'target-collision-text')], ignoreCase);
    expect(text.stderr).toMatch(/warning: A: not written: its name differs only in case from a/);

    // A test restore compares what was written and does not count what was left out on purpose.
    const opened = await Repository.open(new LocalBackend(repo), 'case repo passphrase');
    process.env['SITEVAULT_TARGET_IGNORES_CASE'] = '1';
    try {
      const check = await testRestore(opened, await loadSnapshot(opened, backup.id));
      expect(check.problems).toEqual([]);
      expect(check.files).toBe(1);
    } finally {
      delete process.env['SITEVAULT_TARGET_IGNORES_CASE'];
    }
  });

  it('a target that keeps case apart (as this Linux disk does) gets both names, without a warning', async () => {
    const site = join(work, 'site-two-cases');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'README'), 'upper');
    await writeFile(join(site, 'readme'), 'lower');
    const repo = join(work, 'repo-two-cases');
    expect((await sv(['init', '--repo', repo])).code).toBe(0);
    const backup = await json(['backup', '--repo', repo, '--source', site, '--site', 'two-cases', '--json']);
    const target = join(work, 'target-two-cases');
    const result = await json(['restore', '--repo', repo, backup.id, '--target', target, '--json']);
    expect(result.warnings).toEqual([]);
    expect((await readdir(target)).sort()).toEqual(['README', 'readme']);
  });
});

describe('modes and times are never set through a link', () => {
  it('a folder swapped for a link to the outside during the restore: the outside keeps its mode and mtime', async () => {
    const outside = await outsideFolder('outside-swap');
    const before = await outside.state();
    const site = join(work, 'site-swap');
    await mkdir(join(site, 'sub'), { recursive: true });
    await writeFile(join(site, 'sub', 'inner.txt'), 'restored content');
    await chmod(join(site, 'sub', 'inner.txt'), 0o600);
    await chmod(join(site, 'sub'), 0o700);
    const repoPath = join(work, 'repo-swap');
    expect((await sv(['init', '--repo', repoPath])).code).toBe(0);
    const backup = await json(['backup', '--repo', repoPath, '--source', site, '--site', 'swap', '--json']);

    const repo = await Repository.open(new LocalBackend(repoPath), 'case repo passphrase');
    const target = join(work, 'target-swap');
    let swapped = false;
    // Once the one file is written, the folder it is in becomes a link to the outside (as a
    // same-name-but-case link would on macOS, or another process could at any time).
    const result = await restoreToFolder(repo, await loadSnapshot(repo, backup.id), target, {
      onProgress: (progress) => {
        if (swapped || progress.filesDone < 1) return;
        renameSync(join(target, 'sub'), join(target, 'sub-moved'));
        symlinkSync(outside.dir, join(target, 'sub'));
        swapped = true;
      },
    });
    expect(swapped).toBe(true);
    expect(await outside.state()).toEqual(before);
    expect(result.failed).toEqual([
      { path: 'sub/inner.txt', message: expect.stringMatching(/^mode and time not set: it is no longer the entry this restore wrote/) },
      { path: 'sub', message: expect.stringMatching(/^mode and time not set: a symbolic link or another entry took its place/) },
    ]);
    // The entry the restore wrote is still whole where it was moved to.
    expect(await readFile(join(target, 'sub-moved', 'inner.txt'), 'utf8')).toBe('restored content');
  });
});

describe('.sitevault is reserved in any case', () => {
  it("a site's own .SITEVAULT (a link or a folder) is skipped by the backup with a warning", async () => {
    const outside = await outsideFolder('outside-reserved');
    const site = join(work, 'site-reserved');
    await mkdir(join(site, '.SiteVault'), { recursive: true });
    await writeFile(join(site, '.SiteVault', 'database.sql'), 'DROP DATABASE everything;');
    await symlink(outside.dir, join(site, '.SITEVAULT'));
    await writeFile(join(site, 'index.php'), '<?php');
    const repo = join(work, 'repo-reserved');
    expect((await sv(['init', '--repo', repo])).code).toBe(0);
    const backup = await json(['backup', '--repo', repo, '--source', site, '--site', 'reserved', '--json']);
    expect(backup.warnings).toEqual(
      expect.arrayContaining([
        { path: '.SITEVAULT', message: expect.stringMatching(/^skipped: the name \.sitevault is reserved/) },
        { path: '.SiteVault', message: expect.stringMatching(/^skipped: the name \.sitevault is reserved/) },
      ]),
    );
    const rows: Array<{ path: string }> = await json(['ls', '--repo', repo, backup.id, '--json']);
    expect(rows.map((r) => r.path)).toEqual(['index.php']);
  });

  it("in a snapshot that holds both (an older one), SiteVault's .sitevault is restored and the site's .SITEVAULT link is left out", async () => {
    const outside = await outsideFolder('outside-old');
    const repo = await Repository.init(new LocalBackend(join(work, 'repo-old')), 'p');
    const writer = repo.newBlobWriter();
    const dump = (await writer.save('data', Buffer.from('CREATE TABLE t (x int);\n'))).id;
    const reserved = (await writer.save('tree', encodeTree([{ name: 'database.sql', type: 'file', mode: 0o600, mtime: 0, size: 24, content: [dump] }]))).id;
    const nodes: TreeNode[] = [
      { name: '.SITEVAULT', type: 'symlink', mode: 0o777, mtime: 0, target: outside.dir },
      { name: '.sitevault', type: 'dir', mode: 0o700, mtime: 0, subtree: reserved },
    ];
    const tree = (await writer.save('tree', encodeTree(nodes))).id;
    await writer.flush();
    const snapshot: Snapshot = {
      version: 1,
      time: new Date().toISOString(),
      site: 'old',
      hostname: hostname(),
      tags: [],
      kind: 'both',
      parent: null,
      tree,
      source: '/x',
      stats: { files: 1, dirs: 1, bytes: 24, files_new: 1, files_changed: 0, files_unchanged: 0, bytes_read: 24, bytes_added: 0, duration_s: 0 },
      warnings: [],
      original: null,
    };
    const id = (await repo.saveJson('snapshots', snapshot)).id;
    const target = join(work, 'target-old');
    const result = await restoreToFolder(repo, await loadSnapshot(repo, id), target, { targetIgnoresCase: true });
    expect(result.warnings).toEqual([{ path: '.SITEVAULT', message: expect.stringMatching(/differs only in case from \.sitevault/) }]);
    expect(await readdir(target)).toEqual(['.sitevault']);
    expect((await lstat(join(target, '.sitevault'))).isDirectory()).toBe(true);
  });
});

describe('a test restore reads its dump through no link', () => {
  async function read(stream: AsyncIterable<Buffer>): Promise<string> {
    let text = '';
    for await (const piece of stream) text += piece.toString('utf8');
    return text;
  }

  it('reads a real .sitevault/database.sql and refuses a link in place of the folder or of the file', async () => {
    const outside = join(work, 'outside-dump');
    await mkdir(outside);
    await writeFile(join(outside, 'database.sql'), 'SELECT "not the snapshot";');

    const real = join(work, 'restored-real');
    await mkdir(join(real, '.sitevault'), { recursive: true });
    await writeFile(join(real, '.sitevault', 'database.sql'), 'SELECT "the snapshot";');
    expect(await read(await openRestoredDump(real))).toBe('SELECT "the snapshot";');

    const linkedFolder = join(work, 'restored-linked-folder');
    await mkdir(linkedFolder);
    await symlink(outside, join(linkedFolder, '.sitevault'));
    await expect(openRestoredDump(linkedFolder)).rejects.toMatchObject({ code: 'UNSAFE_NAME', message: expect.stringMatching(/\.sitevault is not a real folder/) });

    const linkedFile = join(work, 'restored-linked-file');
    await mkdir(join(linkedFile, '.sitevault'), { recursive: true });
    await symlink(join(outside, 'database.sql'), join(linkedFile, '.sitevault', 'database.sql'));
    await expect(openRestoredDump(linkedFile)).rejects.toMatchObject({ code: 'UNSAFE_NAME', message: expect.stringMatching(/\.sitevault\/database\.sql is not a real file/) });

    await rename(join(real, '.sitevault', 'database.sql'), join(real, 'elsewhere.sql'));
    await expect(openRestoredDump(real)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
