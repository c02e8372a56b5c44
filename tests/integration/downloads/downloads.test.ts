import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile, chmod, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { generateSite } from '../../harness/site-generator';
import { run } from '../../harness/system';

const exec = promisify(execFile);
let work: string;
let repo: string;
let snapshot: string;
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, SITEVAULT_PASSPHRASE: 'download passphrase', ...extra });
const sv = (args: string[], extra?: NodeJS.ProcessEnv) => runCli(args, env(extra));
const json = async (args: string[]) => {
  const result = await sv(args);
  if (result.code !== 0) throw new Error(`sitevault ${args.join(' ')} (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout);
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-download-'));
  repo = join(work, 'repo');
  const site = join(work, 'site');
  await generateSite(site, { seed: 'downloads', scale: 0.004, db: { host: 'localhost', port: 3306, name: 'wp', user: 'wp', password: 'x' } });
  const odd = join(site, 'odd names');
  await mkdir(odd);
  for (const name of ['with space.txt', "quote'single.txt", 'ünïcødé 日本.txt', '-dash.txt', `${'long-name-'.repeat(20)}.txt`]) await writeFile(join(odd, name), `content of ${name}`);
  await writeFile(join(odd, 'empty'), '');
  await symlink('../wp-config.php', join(odd, 'config-link'));
  await symlink('/etc/passwd', join(odd, 'outward-link'));
  let deep = join(site, 'deep');
  for (let i = 0; i < 12; i++) deep = join(deep, `folder-with-a-long-name-${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom.txt'), 'deep');
  await chmod(join(odd, 'with space.txt'), 0o600);
  await chmod(join(site, 'deep'), 0o750);
  await utimes(join(site, 'deep'), new Date('2023-03-03T03:03:03Z'), new Date('2023-03-03T03:03:03Z'));
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
  snapshot = (await json(['backup', '--repo', repo, '--source', site, '--site', 'downloads', '--json'])).id;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function restoredTree(paths: string[] = []): Promise<Record<string, string>> {
  const target = join(work, `restored-${Math.random().toString(36).slice(2)}`);
  expect((await sv(['restore', '--repo', repo, snapshot, '--target', target, ...paths.flatMap((p) => ['--path', p])])).code).toBe(0);
  return describeTree(target);
}

describe('download a snapshot as an archive', () => {
  it.each([
    ['zip', 'site.zip', (file: string, dir: string) => exec('unzip', ['-q', file, '-d', dir])],
    ['tar.gz', 'site.tar.gz', (file: string, dir: string) => exec('tar', ['-xzf', file, '-C', dir])],
    ['tar', 'site.tar', (file: string, dir: string) => exec('tar', ['-xf', file, '-C', dir])],
  ])('as .%s: the standard tool extracts exactly the snapshot (names, modes, mtimes, symlinks)', async (format, name, extract) => {
    const out = join(work, name);
    const result = await json(['download', '--repo', repo, snapshot, '--out', out, '--json']);
    expect(result).toMatchObject({ format, out });
    expect(result.files).toBeGreaterThan(50);
    const dir = join(work, `extracted-${format}`);
    await mkdir(dir);
    await extract(out, dir);
    expect(await describeTree(dir)).toEqual(await restoredTree());
  });

  it('a folder or a file alone, with --path', async () => {
    const out = join(work, 'part.tar.gz');
    await json(['download', '--repo', repo, snapshot, '--out', out, '--path', 'odd names', '--path', 'wp-config.php', '--json']);
    const dir = join(work, 'extracted-part');
    await mkdir(dir);
    await exec('tar', ['-xzf', out, '-C', dir]);
    expect(await describeTree(dir)).toEqual(await restoredTree(['odd names', 'wp-config.php']));
  });

  it('into a plain folder', async () => {
    const out = join(work, 'as-folder');
    await json(['download', '--repo', repo, snapshot, '--out', out, '--format', 'folder', '--json']);
    expect(await describeTree(out)).toEqual(await restoredTree());
  });

  it('refuses what it cannot do, clearly, and leaves no partial file', async () => {
    const noFormat = await sv(['download', '--repo', repo, snapshot, '--out', join(work, 'site.rar')]);
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/Cannot tell the format/);
    const noDump = await sv(['download', '--repo', repo, snapshot, '--db-only', '--out', join(work, 'db.sql')]);
    expect(noDump.code).toBe(1);
    expect(noDump.stderr).toMatch(/holds no database dump/);
    const missing = await sv(['download', '--repo', repo, snapshot, '--path', 'no/such/thing', '--out', join(work, 'missing.zip')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not in the snapshot/);
    expect((await readdir(work)).filter((n) => n.includes('partial') || n === 'missing.zip' || n === 'db.sql')).toEqual([]);
  });
});

describe('downloads stream with bounded memory', () => {
  it('a snapshot holding a 600 MB file downloads as .zip and .tar.gz with peak RSS far below its size', async () => {
    const big = join(work, 'big-src');
    await mkdir(big);
    // Varied but compressible and dedup-friendly, so the test stays quick.
    await run('sh', ['-c', `for i in $(seq 1 150); do head -c 4194304 /dev/zero | tr '\\0' "$(printf \\\\$(printf %o $((65 + i % 26))))"; done > '${join(big, 'video.mov')}'`]);
    const bigRepo = join(work, 'big-repo');
    expect((await sv(['init', '--repo', bigRepo])).code).toBe(0);
    const id = (await json(['backup', '--repo', bigRepo, '--source', big, '--site', 'big', '--json'])).id;
    const measure = "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS='+process.resourceUsage().maxRSS+'\\n'))";
    const peakRss = (stderr: string) => Number(/MAXRSS=(\d+)/.exec(stderr)?.[1]) * 1024;
    // The baseline: the same process opening the repository (the passphrase's scrypt alone takes 64 MiB).
    const baseline = peakRss((await sv(['snapshots', '--repo', bigRepo, '--json'], { NODE_OPTIONS: measure })).stderr);
    expect(baseline).toBeGreaterThan(0);
    for (const name of ['big.zip', 'big.tar.gz']) {
      const result = await sv(['download', '--repo', bigRepo, id, '--out', join(work, name), '--json'], { NODE_OPTIONS: measure });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).bytes).toBe(600 * 1024 * 1024);
      // Holding the file would take 600 MiB more; streaming takes the read-ahead window plus garbage not yet collected.
      expect(peakRss(result.stderr) - baseline).toBeLessThan(250 * 1024 * 1024);
    }
    const listed = await exec('unzip', ['-l', join(work, 'big.zip')]);
    expect(listed.stdout).toMatch(/629145600\s+\S+\s+\S+\s+video\.mov/);
  }, 180_000);
});
