import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeOutcome, metadataScript, mkdirScript, moveScript, parseOutcomes, removeScript, stagingTarCommand, STAGING_UNUSABLE } from './shell-scripts';

// The scripts run here with the same sh (dash) and GNU coreutils a Debian server has.
let base: string;
let site: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'sv-shell-scripts-'));
  site = join(base, 'site');
  outside = join(base, 'outside');
  await mkdir(site);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'private');
  await chmod(join(outside, 'secret'), 0o600);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function sh(script: string): { stdout: string; code: number } {
  const result = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8' });
  return { stdout: result.stdout, code: result.status ?? -1 };
}

const modeOf = async (path: string) => (await lstat(path)).mode & 0o7777;

describe('modes and times on a live site', () => {
  it('sets them on real files and folders, never through a symlink or a folder swapped for one', async () => {
    await mkdir(join(site, 'a', 'b'), { recursive: true });
    await writeFile(join(site, 'a', 'b', 'real.php'), 'x');
    await symlink(join(outside, 'secret'), join(site, 'a', 'b', 'swapped.php'));
    await mkdir(join(site, 'c'));
    await writeFile(join(outside, 'inside.php'), 'y');
    await chmod(join(outside, 'inside.php'), 0o600);
    await rm(join(site, 'c'), { recursive: true });
    await symlink(outside, join(site, 'c'));
    const items = [
      { path: 'a/b/real.php', type: 'file' as const, mode: 0o640, mtime: 1_500_000_000_000 },
      { path: 'a/b/swapped.php', type: 'file' as const, mode: 0o666, mtime: 1_500_000_000_000 },
      { path: 'c/inside.php', type: 'file' as const, mode: 0o666, mtime: 1_500_000_000_000 },
      { path: 'c', type: 'dir' as const, mode: 0o777, mtime: 1_500_000_000_000 },
      { path: 'a', type: 'dir' as const, mode: 0o750, mtime: 1_400_000_000_000 },
    ];
    const outcomes = parseOutcomes(sh(metadataScript(site, items)).stdout);
    expect([...outcomes.entries()]).toEqual([
      [0, { ok: true }],
      [1, { ok: false, reason: 'type' }],
      [2, { ok: false, reason: 'path' }],
      [3, { ok: false, reason: 'path' }],
      [4, { ok: true }],
    ]);
    expect(await modeOf(join(site, 'a', 'b', 'real.php'))).toBe(0o640);
    expect((await stat(join(site, 'a', 'b', 'real.php'))).mtimeMs).toBe(1_500_000_000_000);
    expect(await modeOf(join(site, 'a'))).toBe(0o750);
    expect((await stat(join(site, 'a'))).mtimeMs).toBe(1_400_000_000_000);
    expect(await modeOf(join(outside, 'secret'))).toBe(0o600);
    expect(await modeOf(join(outside, 'inside.php'))).toBe(0o600);
  });

  it('a name that the script was given with quotes, spaces and line breaks is one name', async () => {
    const name = `it's "odd"\nname $(touch pwned) \`touch pwned\``;
    await writeFile(join(site, name), 'x');
    const outcomes = parseOutcomes(sh(metadataScript(site, [{ path: name, type: 'file', mode: 0o604, mtime: 1_000_000_000_000 }])).stdout);
    expect(outcomes.get(0)).toEqual({ ok: true });
    expect(await modeOf(join(site, name))).toBe(0o604);
    await expect(stat(join(site, 'pwned'))).rejects.toThrow();
  });
});

describe('putting unpacked files in place', () => {
  async function stage(files: Record<string, string>): Promise<string> {
    const staging = '.sitevault-part-test';
    const tar = join(base, 'in.tar');
    const src = join(base, 'src');
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(src, path, '..'), { recursive: true });
      await writeFile(join(src, path), text);
    }
    execFileSync('tar', ['-C', src, '-cf', tar, ...Object.keys(files)]);
    execFileSync('sh', ['-c', `${stagingTarCommand(site, staging)} < '${tar}'`]);
    return staging;
  }

  it('moves files into real folders, replaces a symlink in their place, and writes nothing through a folder swapped for a link', async () => {
    await mkdir(join(site, 'keys'));
    await mkdir(join(site, 'wp'));
    const staging = await stage({ 'keys/authorized_keys': 'attacker key', 'wp/index.php': 'new', 'wp/config.php': 'cfg' });
    // Meanwhile, on the compromised site:
    await rm(join(site, 'keys'), { recursive: true });
    await symlink(outside, join(site, 'keys'));
    await symlink(join(outside, 'secret'), join(site, 'wp', 'config.php'));
    const outcomes = parseOutcomes(sh(moveScript(site, staging, ['keys/authorized_keys', 'wp/index.php', 'wp/config.php'])).stdout);
    expect(outcomes.get(0)).toEqual({ ok: false, reason: 'path' });
    expect(outcomes.get(1)).toEqual({ ok: true });
    expect(outcomes.get(2)).toEqual({ ok: true });
    await expect(stat(join(outside, 'authorized_keys'))).rejects.toThrow();
    expect(await readFile(join(site, 'wp', 'config.php'), 'utf8')).toBe('cfg');
    expect((await lstat(join(site, 'wp', 'config.php'))).isFile()).toBe(true);
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('private');
    // The staging folder is gone.
    await expect(stat(join(site, staging))).rejects.toThrow();
  });

  it('a new folder moves whole; one that a symlink took the place of is refused', async () => {
    const staging = await stage({ 'new/a.txt': 'a', 'new/deep/b.txt': 'b', 'other/c.txt': 'c' });
    await symlink(outside, join(site, 'other'));
    const outcomes = parseOutcomes(sh(moveScript(site, staging, ['new', 'other'])).stdout);
    expect(outcomes.get(0)).toEqual({ ok: true });
    expect(outcomes.get(1)).toMatchObject({ ok: false, reason: 'move' });
    expect(await readFile(join(site, 'new', 'deep', 'b.txt'), 'utf8')).toBe('b');
    expect(await readlink(join(site, 'other'))).toBe(outside);
    await expect(stat(join(outside, 'c.txt'))).rejects.toThrow();
  });

  it('refuses a staging folder that is not a new, empty, private folder of its own', async () => {
    await symlink(outside, join(site, '.sitevault-part-taken'));
    const result = spawnSync('sh', ['-c', stagingTarCommand(site, '.sitevault-part-taken')], { input: Buffer.alloc(1024) });
    expect(result.status).toBe(STAGING_UNUSABLE);
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('private');
  });
});

describe('deleting and creating', () => {
  it('deletes in real folders only, and a symlink itself rather than what it points to', async () => {
    await mkdir(join(site, 'dir'));
    await writeFile(join(site, 'dir', 'x'), 'x');
    await symlink(outside, join(site, 'swapped'));
    await symlink(outside, join(site, 'link'));
    const outcomes = parseOutcomes(sh(removeScript(site, ['dir/x', 'swapped/secret', 'link'])).stdout);
    expect([...outcomes.values()]).toEqual([{ ok: true }, { ok: false, reason: 'path' }, { ok: true }]);
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('private');
    await expect(lstat(join(site, 'link'))).rejects.toThrow();
  });

  it('deletes many names in one folder, a few hundred to a command', async () => {
    const names = Array.from({ length: 450 }, (_, i) => `n${i}-${'x'.repeat(200)}`);
    for (const name of names) await writeFile(join(site, name), 'x');
    const script = removeScript(site, names);
    expect(script.match(/^rm -rf -- /gm)).toHaveLength(3);
    const removed = parseOutcomes(sh(script).stdout);
    expect([...removed.values()].filter((o) => o.ok)).toHaveLength(450);
    expect(await readdir(site)).toEqual([]);
  });

  it('creates folders in real folders only', async () => {
    await symlink(outside, join(site, 'swapped'));
    const outcomes = parseOutcomes(sh(mkdirScript(site, ['p', 'p/q', 'swapped/r'])).stdout);
    expect([...outcomes.values()]).toEqual([{ ok: true }, { ok: true }, { ok: false, reason: 'path' }]);
    expect((await stat(join(site, 'p', 'q'))).isDirectory()).toBe(true);
    await expect(stat(join(outside, 'r'))).rejects.toThrow();
  });
});

describe('describeOutcome', () => {
  it("keeps mv's reason, not the staging paths", () => {
    expect(describeOutcome({ ok: false, reason: 'move', message: "cannot move '/dev/fd/5/a/b.php' to 'b.php': Permission denied" })).toBe('it could not be put in place: Permission denied');
    expect(describeOutcome({ ok: false, reason: 'move', message: "cannot overwrite non-directory './d' with directory '/dev/fd/5/d'" })).toBe(
      "it could not be put in place: cannot overwrite non-directory './d' with directory 'd'",
    );
    expect(describeOutcome({ ok: false, reason: 'path' })).toMatch(/^a folder on its way is not a real folder any more/);
  });
});

describe('parseOutcomes', () => {
  it('takes the first line for each index and ignores anything else', () => {
    const outcomes = parseOutcomes('no 1 missing\nok 1\nok 0\nno 2 move cannot move: Permission denied\nnoise ok 3\n');
    expect([...outcomes.entries()]).toEqual([
      [1, { ok: false, reason: 'missing' }],
      [0, { ok: true }],
      [2, { ok: false, reason: 'move', message: 'cannot move: Permission denied' }],
    ]);
  });
});
