import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { generateSite } from '../../harness/site-generator';

let work: string;
let site: string;
const passphrase = `pass 'phrase' ${randomBytes(4).toString('hex')}`;
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, SITEVAULT_PASSPHRASE: passphrase, ...extra });
const sv = async (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, env(extra));
const json = async (args: string[]) => {
  const result = await sv(args);
  if (result.code !== 0) throw new Error(`sitevault ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout);
};

async function oddSite(root: string): Promise<void> {
  await generateSite(root, { seed: 'repo-cli', scale: 0.004, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'u', password: 'p' } });
  const odd = join(root, 'odd names');
  await mkdir(odd);
  for (const name of ['with space.txt', "quote'single.txt", 'quote"double.txt', 'new\nline.txt', 'ünïcødé-日本.txt', 'tab\there.txt', '-dash.txt']) {
    await writeFile(join(odd, name), `content of ${name}\n`);
  }
  await writeFile(join(odd, 'empty.txt'), '');
  await writeFile(join(odd, 'secret.txt'), 'mode 600');
  await chmod(join(odd, 'secret.txt'), 0o600);
  await writeFile(join(odd, 'script.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(odd, 'script.sh'), 0o755);
  await symlink('../wp-config.php', join(odd, 'link-to-config'));
  await symlink('/etc/passwd', join(odd, 'absolute-link'));
  await symlink('missing-target', join(odd, 'dangling'));
  let deep = join(root, 'deep');
  for (let i = 0; i < 30; i++) deep = join(deep, `level-${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom.txt'), 'deep');
  await writeFile(join(root, 'big.bin'), randomBytes(9 * 1024 * 1024));
  await utimes(join(odd, 'with space.txt'), 1_600_000_000, 1_600_000_000);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-repo-cli-'));
  site = join(work, 'site');
  await oddSite(site);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('local repository through the CLI', () => {
  let repo: string;
  let first: { id: string; files_new: number; bytes_added: number; bytes_read: number };

  beforeAll(async () => {
    repo = join(work, 'repo');
    expect((await sv(['init', '--repo', repo])).code).toBe(0);
    first = await json(['backup', '--repo', repo, '--source', site, '--site', 'client-a', '--tag', 'first', '--json']);
  });

  it('reports the backup JSON contract', () => {
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['id', 'files_new', 'files_changed', 'files_unchanged', 'bytes_read', 'bytes_added', 'duration_s']));
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);
    expect(first.files_new).toBeGreaterThan(100);
    expect(first.bytes_read).toBeGreaterThan(9 * 1024 * 1024);
  });

  it('restores byte-exact: names, modes, mtimes, symlinks, empty, deep and large files', async () => {
    const target = join(work, 'restored');
    const result = await sv(['restore', '--repo', repo, first.id.slice(0, 10), '--target', target]);
    expect(result.code).toBe(0);
    expect(await describeTree(target)).toEqual(await describeTree(site));
  });

  it('restores only selected paths', async () => {
    const target = join(work, 'partial');
    expect((await sv(['restore', '--repo', repo, 'latest', '--target', target, '--path', 'odd names/secret.txt', '--path', 'wp-admin'])).code).toBe(0);
    expect(await readFile(join(target, 'odd names', 'secret.txt'), 'utf8')).toBe('mode 600');
    expect((await stat(join(target, 'wp-admin'))).isDirectory()).toBe(true);
    expect((await readdir(target)).sort()).toEqual(['odd names', 'wp-admin']);
  });

  it('lists snapshots with the JSON contract and ls shows a folder', async () => {
    const list = await json(['snapshots', '--repo', repo, '--json']);
    expect(list[0]).toMatchObject({ id: first.id, site: 'client-a', tags: ['first'] });
    expect(Object.keys(list[0])).toEqual(expect.arrayContaining(['id', 'time', 'site', 'tags', 'files', 'bytes']));
    const entries = await json(['ls', '--repo', repo, 'latest', 'odd names', '--json']);
    expect(entries.map((e: { path: string }) => e.path)).toContain('odd names/new\nline.txt');
    expect(entries.find((e: { path: string }) => e.path === 'odd names/absolute-link')).toMatchObject({ type: 'symlink', target: '/etc/passwd' });
  });

  it('dumps one file to stdout', async () => {
    const result = await sv(['dump', '--repo', repo, 'latest', 'odd names/ünïcødé-日本.txt']);
    expect(result.stdout).toBe('content of ünïcødé-日本.txt\n');
  });

  it('a second backup reads and stores only what changed, and diff names it', async () => {
    await appendFile(join(site, 'index.php'), '\n// edited');
    await writeFile(join(site, 'added.txt'), 'new file');
    await rm(join(site, 'odd names', 'tab\there.txt'));
    const second = await json(['backup', '--repo', repo, '--source', site, '--site', 'client-a', '--json']);
    expect(second.files_changed).toBe(1);
    expect(second.files_new).toBe(1);
    expect(second.bytes_read).toBeLessThan(20_000);
    expect(second.bytes_added).toBeLessThan(50_000);
    expect(second.files_unchanged).toBe(first.files_new - 2);
    const diff = await json(['diff', '--repo', repo, first.id, second.id, '--json']);
    expect(diff).toEqual({ added: ['added.txt'], removed: ['odd names/tab\there.txt'], changed: ['index.php'] });
  });

  it('deduplicates across sites: the same files under another site add almost nothing', async () => {
    const other = await json(['backup', '--repo', repo, '--source', site, '--site', 'client-b', '--json']);
    expect(other.files_new).toBeGreaterThan(100);
    expect(other.bytes_added).toBeLessThan(100_000);
  });

  it('refuses a wrong passphrase clearly', async () => {
    const result = await sv(['snapshots', '--repo', repo], { SITEVAULT_PASSPHRASE: 'wrong' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Wrong passphrase');
    expect(result.stderr).toContain('AUTH_FAILED');
  });

  it('manages passphrases without re-encrypting data', async () => {
    const packsBefore = (await readdir(join(repo, 'data'), { recursive: true })).sort();
    expect((await sv(['key', 'add', '--repo', repo], { SITEVAULT_NEW_PASSPHRASE: 'second phrase' })).code).toBe(0);
    expect((await sv(['snapshots', '--repo', repo], { SITEVAULT_PASSPHRASE: 'second phrase' })).code).toBe(0);
    expect((await sv(['key', 'passwd', '--repo', repo], { SITEVAULT_PASSPHRASE: 'second phrase', SITEVAULT_NEW_PASSPHRASE: 'third phrase' })).code).toBe(0);
    expect((await sv(['snapshots', '--repo', repo], { SITEVAULT_PASSPHRASE: 'second phrase' })).code).toBe(1);
    expect((await sv(['snapshots', '--repo', repo], { SITEVAULT_PASSPHRASE: 'third phrase' })).code).toBe(0);
    expect((await sv(['snapshots', '--repo', repo])).code).toBe(0);
    expect((await readdir(join(repo, 'data'), { recursive: true })).sort()).toEqual(packsBefore);
  });

  it('passes check --read-data when healthy', async () => {
    const result = await sv(['check', '--repo', repo, '--read-data']);
    expect(result.stdout).toContain('No damage found.');
    expect(result.code).toBe(0);
  });

  it('keeps names and contents unreadable on the storage side', async () => {
    const everything = await readdir(repo, { recursive: true });
    const bytes = Buffer.concat(await Promise.all(everything.map((p) => stat(join(repo, p)).then((s) => (s.isFile() ? readFile(join(repo, p)) : Buffer.alloc(0))))));
    for (const needle of ['wp-config', 'client-a', 'index.php', 'DB_PASSWORD', 'with space']) expect(bytes.includes(Buffer.from(needle))).toBe(false);
  });
});

describe('damage is detected and named', () => {
  async function freshRepo(name: string): Promise<{ repo: string; id: string }> {
    const repo = join(work, name);
    await sv(['init', '--repo', repo]);
    const { id } = await json(['backup', '--repo', repo, '--source', join(site, 'wp-content'), '--site', 's', '--json']);
    return { repo, id };
  }
  const packs = async (repo: string) =>
    (await readdir(join(repo, 'data'), { recursive: true }))
      .filter((p) => p.length > 10)
      .map((p) => join(repo, 'data', p))
      .sort();
  const check = (repo: string, ...extra: string[]) => sv(['check', '--repo', repo, '--read-data', ...extra]);

  it('a flipped byte in a pack: exit 3, the pack and its blob named; undamaged files still restore', async () => {
    const { repo } = await freshRepo('flip-pack');
    // The largest pack holds file data (tree packs are small).
    const sized = await Promise.all((await packs(repo)).map(async (p) => ({ p, size: (await stat(p)).size })));
    const pack = sized.sort((a, b) => b.size - a.size)[0]!.p;
    const bytes = await readFile(pack);
    bytes[100]! ^= 0xff;
    await writeFile(pack, bytes);
    const result = await check(repo);
    expect(result.code).toBe(3);
    const packId = pack.split('/').at(-1)!;
    expect(result.stdout).toContain(`DAMAGED pack ${packId}`);
    expect(result.stdout).toMatch(/DAMAGED blob [0-9a-f]{64}: blob [0-9a-f]{12} in pack .* failed authentication/);
    const target = join(work, 'flip-restore');
    const restore = await sv(['restore', '--repo', repo, 'latest', '--target', target]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/NOT restored: .+: blob .* failed authentication/);
    expect((await readdir(target, { recursive: true })).length).toBeGreaterThan(10);
  });

  it('a truncated pack is named', async () => {
    const { repo } = await freshRepo('truncated');
    const [pack] = await packs(repo);
    await truncate(pack!, (await stat(pack!)).size - 7);
    const result = await check(repo);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`DAMAGED pack ${pack!.split('/').at(-1)}: pack is`);
  });

  it('a flipped byte in an index file and in a snapshot are named', async () => {
    const { repo, id } = await freshRepo('flip-meta');
    const [index] = await readdir(join(repo, 'index'));
    const indexBytes = await readFile(join(repo, 'index', index!));
    indexBytes[40]! ^= 0x01;
    await writeFile(join(repo, 'index', index!), indexBytes);
    const snapBytes = await readFile(join(repo, 'snapshots', id));
    snapBytes[20]! ^= 0x01;
    await writeFile(join(repo, 'snapshots', id), snapBytes);
    const result = await sv(['check', '--repo', repo]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`DAMAGED index ${index}`);
    expect(result.stdout).toContain(`DAMAGED snapshot ${id}`);
  });

  it('a deleted index: check names the missing blobs; repair index rebuilds it from pack headers', async () => {
    const { repo } = await freshRepo('no-index');
    for (const file of await readdir(join(repo, 'index'))) await rm(join(repo, 'index', file));
    const broken = await sv(['check', '--repo', repo]);
    expect(broken.code).toBe(3);
    expect(broken.stdout).toMatch(/DAMAGED blob [0-9a-f]{64}: blob is not in any index/);
    expect((await sv(['repair', 'index', '--repo', repo])).code).toBe(0);
    expect((await check(repo)).code).toBe(0);
    const target = join(work, 'after-repair');
    expect((await sv(['restore', '--repo', repo, 'latest', '--target', target])).code).toBe(0);
    expect(await describeTree(target)).toEqual(await describeTree(join(site, 'wp-content')));
  });

  it('a deleted pack is named as missing', async () => {
    const { repo } = await freshRepo('no-pack');
    const [pack] = await packs(repo);
    await rm(pack!);
    const result = await sv(['check', '--repo', repo]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`DAMAGED pack ${pack!.split('/').at(-1)}: pack is listed in the index but missing from storage`);
  });
});

describe('interruptions leave a valid repository', () => {
  /** Runs the CLI and SIGKILLs it the moment `reached()` is true: a precise point mid-operation. */
  function killWhen(args: string[], reached: () => Promise<boolean>): Promise<{ killed: boolean }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: env(), stdio: 'ignore' });
      let killed = false;
      const poll = setInterval(() => {
        void reached().then((yes) => {
          if (yes && child.exitCode === null && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        });
      }, 5);
      child.on('exit', () => {
        clearInterval(poll);
        resolve({ killed });
      });
    });
  }

  it('a backup killed midway leaves no snapshot; check passes; the next backup reuses uploads', async () => {
    const repo = join(work, 'killed');
    await sv(['init', '--repo', repo]);
    const big = join(work, 'big-source');
    await mkdir(big);
    for (let i = 0; i < 12; i++) await writeFile(join(big, `media-${i}.bin`), randomBytes(6 * 1024 * 1024));
    const packFiles = async () => (await readdir(join(repo, 'data'), { recursive: true }).catch(() => [])).filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p));
    const run = await killWhen(['backup', '--repo', repo, '--source', big, '--site', 'k'], async () => (await packFiles()).length >= 2);
    expect(run.killed).toBe(true);
    expect((await packFiles()).length).toBeGreaterThanOrEqual(2);
    expect(await json(['snapshots', '--repo', repo, '--json'])).toEqual([]);
    // The killed process left its lock: it is seen as stale (its pid is gone), so even an exclusive lock (forget's) is taken, and the stale one removed.
    expect(await readdir(join(repo, 'locks'))).toHaveLength(1);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
    const forget = await sv(['forget', '--repo', repo, '--keep-last', '1']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(await readdir(join(repo, 'locks'))).toEqual([]);
    const after = await json(['backup', '--repo', repo, '--source', big, '--site', 'k', '--json']);
    // At least two packs (16 MiB each) were already uploaded and are reused.
    expect(after.bytes_added).toBeLessThan(72 * 1024 * 1024 - 30 * 1024 * 1024);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
  });

  it('a prune killed midway leaves a repository that passes check and restores', async () => {
    const repo = join(work, 'killed-prune');
    await sv(['init', '--repo', repo]);
    const src = join(work, 'prune-src');
    await mkdir(src);
    for (let i = 0; i < 6; i++) {
      await writeFile(join(src, `f${i}.bin`), randomBytes(4 * 1024 * 1024));
      await json(['backup', '--repo', repo, '--source', src, '--site', 'p', '--time', `2024-01-0${i + 1}T00:00:00Z`, '--json']);
    }
    await json(['forget', '--repo', repo, '--keep-last', '2', '--json']);
    const indexBefore = (await readdir(join(repo, 'index'))).sort().join();
    // Killed after the new index is written, before the old packs are deleted.
    const run = await killWhen(['prune', '--repo', repo], async () => (await readdir(join(repo, 'index'))).sort().join() !== indexBefore);
    expect(run.killed).toBe(true);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
    await json(['prune', '--repo', repo, '--json']);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
    const target = join(work, 'prune-restore');
    expect((await sv(['restore', '--repo', repo, 'latest', '--target', target])).code).toBe(0);
    expect(await describeTree(target, { mtimes: false })).toEqual(await describeTree(src, { mtimes: false }));
  });
  it('a copy to a second repository killed midway: no incomplete snapshot there, check passes, the next copy finishes and restores', async () => {
    const from = join(work, 'copy-from');
    const to = join(work, 'copy-to');
    await sv(['init', '--repo', from]);
    await sv(['init', '--repo', to]);
    const src = join(work, 'copy-src');
    await mkdir(src);
    for (let i = 0; i < 4; i++) {
      await writeFile(join(src, `m${i}.bin`), randomBytes(12 * 1024 * 1024));
      await json(['backup', '--repo', from, '--source', src, '--site', 'c', '--time', `2024-03-0${i + 1}T00:00:00Z`, '--json']);
    }
    const packsIn = async (repo: string) => (await readdir(join(repo, 'data'), { recursive: true }).catch(() => [])).filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p));
    const run = await killWhen(['copy', '--repo', from, '--to', to], async () => (await packsIn(to)).length >= 2);
    expect(run.killed).toBe(true);
    // Whatever was copied is whole: snapshots there (if any) restore, and the data checks.
    const copied = await json(['snapshots', '--repo', to, '--json']);
    expect(copied.length).toBeLessThan(4);
    expect((await sv(['check', '--repo', to, '--read-data'])).code).toBe(0);
    // The stale lock of the killed copy is recognised; the next copy finishes the job.
    const again = await sv(['copy', '--repo', from, '--to', to, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await json(['snapshots', '--repo', to, '--json'])).toHaveLength(4);
    expect((await sv(['check', '--repo', to, '--read-data'])).code).toBe(0);
    const target = join(work, 'copy-restore');
    expect((await sv(['restore', '--repo', to, 'latest', '--target', target])).code).toBe(0);
    expect(await describeTree(target, { mtimes: false })).toEqual(await describeTree(src, { mtimes: false }));
  });
});

describe('retention, prune and copy', () => {
  let repo: string;
  const times = ['2023-12-31T12:00:00Z', '2024-01-30T12:00:00Z', '2024-01-31T12:00:00Z', '2024-02-27T12:00:00Z', '2024-02-28T08:00:00Z', '2024-02-28T20:00:00Z', '2024-02-29T12:00:00Z'];

  beforeAll(async () => {
    repo = join(work, 'gfs');
    await sv(['init', '--repo', repo]);
    const src = join(work, 'gfs-src');
    await mkdir(src);
    for (const [i, time] of times.entries()) {
      // Each day's snapshot holds that day's file only, so older ones own data of their own.
      if (i > 0) await rm(join(src, `day-${i - 1}.bin`));
      await writeFile(join(src, `day-${i}.bin`), randomBytes(1024 * 1024));
      await json(['backup', '--repo', repo, '--source', src, '--site', 'gfs', '--time', time, '--json']);
    }
  });

  it('forget --dry-run lists exactly what GFS keeps and removes, and removes nothing', async () => {
    const plan = await json(['forget', '--repo', repo, '--keep-daily', '2', '--keep-monthly', '2', '--keep-yearly', '1', '--dry-run', '--json']);
    const keep = plan.sites[0].keep.map((k: { time: string }) => k.time);
    expect(keep).toEqual(['2024-02-29T12:00:00.000Z', '2024-02-28T20:00:00.000Z', '2024-01-31T12:00:00.000Z']);
    expect(plan.sites[0].remove).toHaveLength(4);
    expect(await json(['snapshots', '--repo', repo, '--json'])).toHaveLength(7);
  });

  it('copy makes an identical, independently restorable copy, and copies only what is missing', async () => {
    const copyRepo = join(work, 'gfs-copy');
    const first = await json(['copy', '--repo', repo, '--to', copyRepo, '--json']);
    expect(first.copied).toHaveLength(7);
    const again = await json(['copy', '--repo', repo, '--to', copyRepo, '--json']);
    expect(again.copied).toHaveLength(0);
    expect(again.skipped).toHaveLength(7);
    await rm(repo, { recursive: true, force: true, maxRetries: 0 }).catch(() => {});
    const original = join(work, 'gfs-restore-copy');
    expect((await sv(['restore', '--repo', copyRepo, 'latest', '--target', original])).code).toBe(0);
    expect(await readdir(original)).toEqual(['day-6.bin']);
    expect((await sv(['check', '--repo', copyRepo, '--read-data'])).code).toBe(0);
    // Rebuild the source for the next test from the copy (copy works in both directions).
    await json(['copy', '--repo', copyRepo, '--to', repo, '--json']);
  });

  it('forget with prune removes the snapshots and reclaims their space', async () => {
    const before = (await readdir(join(repo, 'data'), { recursive: true })).length;
    const result = await json(['forget', '--repo', repo, '--keep-last', '1', '--prune', '--json']);
    expect(result.sites[0].remove).toHaveLength(6);
    expect(result.prune.bytesFreed).toBeGreaterThan(5 * 1024 * 1024);
    expect((await readdir(join(repo, 'data'), { recursive: true })).length).toBeLessThan(before);
    expect(await json(['snapshots', '--repo', repo, '--json'])).toHaveLength(1);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
  });
});
