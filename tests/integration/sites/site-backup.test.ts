import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { commandLines } from '../../harness/processes';
import { rootSql } from '../../harness/mariadb';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

let harness: HarnessInfo;
let home: string;
let work: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: 'site repo passphrase',
  SHELL_PASSWORD: harness.sshd!.shell.password,
  SFTP_PASSWORD: harness.sshd!.sftp.password,
  FTP_PASSWORD: harness.ftpd!.password,
  ...extra,
});
const sv = (args: string[], extra?: NodeJS.ProcessEnv) => runCli(args, env(extra));
const json = async (args: string[], extra?: NodeJS.ProcessEnv) => {
  const result = await sv(args, extra);
  if (result.code !== 0) throw new Error(`sitevault ${args.join(' ')} (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout);
};

/** The site as a backup should hold it: default WordPress exclusions removed. */
async function expectedTree(diskPath: string, options?: { mtimes?: boolean; modes?: boolean }): Promise<Record<string, string>> {
  const tree = await describeTree(diskPath, options);
  for (const path of Object.keys(tree)) if (/^wp-content\/(cache|updraft)(\/|$)/.test(path)) delete tree[path];
  return tree;
}

async function dumpRows(database: string): Promise<string> {
  return rootSql(harness.mariadb!, 'SELECT COUNT(*), SUM(CRC32(post_content)) FROM wp_posts; SELECT option_name, option_value FROM wp_options ORDER BY option_name;', database);
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-sites-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-sites-work-'));
  expect((await sv(['init', '--repo', join(work, 'repo')])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('site over SSH with a shell (find + tar + mysqldump)', () => {
  let placed: PlacedSite;
  let first: { id: string; files_new: number; bytes_read: number; kind: string };

  beforeAll(async () => {
    placed = await placeSite(harness, 'ssh-shell', 'shell-site');
    const odd = join(placed.diskPath, 'odd names');
    await mkdir(odd);
    for (const name of ['with space.txt', "quote'single.txt", 'quote"double.txt', 'new\nline.txt', 'ünïcødé 日本.txt', '-dash.txt', 'back\\slash.txt']) {
      await writeFile(join(odd, name), `content of ${name}`);
    }
    await writeFile(join(odd, 'empty'), '');
    await symlink('../wp-config.php', join(odd, 'config-link'));
    let deep = join(placed.diskPath, 'deep');
    for (let i = 0; i < 25; i++) deep = join(deep, `d${i}`);
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'bottom.txt'), 'deep');
    await run('sh', ['-c', `head -c ${105 * 1024 * 1024} /dev/urandom > '${join(placed.diskPath, 'wp-content', 'uploads', 'big-video.mp4')}'`]);
    const ids = await userIds(harness.sshd!.shell.username);
    await run('chown', ['-R', `${ids.uid}:${ids.gid}`, placed.diskPath]);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const added = await sv(['site', 'add', 'Shell Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--accept-new-host-key']);
    expect(added.code).toBe(0);
  });

  it('site test reports a shell, WordPress, a reachable database and the default exclusions', async () => {
    const report = await json(['site', 'test', 'Shell Site', '--json']);
    expect(report).toMatchObject({ shell: true, wordpress: true, database: { name: placed.database, reachable: true }, tablePrefix: 'wp_' });
    expect(report.excludes.map((e: { pattern: string }) => e.pattern)).toEqual(expect.arrayContaining(['/wp-content/cache/', '/wp-content/updraft/']));
  });

  it('backs up files and database; restore is byte-exact, names, modes, mtimes, symlinks, 100+ MB file included', async () => {
    first = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Shell Site', '--json']);
    expect(first.kind).toBe('both');
    expect(first.files_new).toBeGreaterThan(80);
    const target = join(work, 'shell-restore');
    expect((await sv(['restore', '--repo', join(work, 'repo'), first.id, '--target', target])).code).toBe(0);
    const restored = await describeTree(target);
    const dump = restored['.sitevault/database.sql'];
    delete restored['.sitevault'];
    delete restored['.sitevault/database.sql'];
    expect(restored).toEqual(await expectedTree(placed.diskPath));
    expect(dump).toMatch(/^file 600 \d+/);
  });

  it('the dump loads into a fresh database and gives the same rows', async () => {
    const sql = await readFile(join(work, 'shell-restore', '.sitevault', 'database.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE `wp_posts`');
    await rootSql(harness.mariadb!, 'DROP DATABASE IF EXISTS wp_restored; CREATE DATABASE wp_restored CHARACTER SET utf8mb4;');
    await rootSql(harness.mariadb!, sql, 'wp_restored');
    expect(await dumpRows('wp_restored')).toBe(await dumpRows(placed.database));
  });

  it('a second backup transfers only what changed', async () => {
    await appendFile(join(placed.diskPath, 'index.php'), '\n// edited');
    const second = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Shell Site', '--files-only', '--json']);
    expect(second).toMatchObject({ files_new: 0, files_changed: 1, kind: 'files' });
    expect(second.files_unchanged).toBe(first.files_new - 1);
    expect(second.bytes_read).toBeLessThan(10_000);
  });

  it('database-only snapshots run on their own and deduplicate against earlier dumps', async () => {
    const dbOnly = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Shell Site', '--db-only', '--json']);
    expect(dbOnly).toMatchObject({ kind: 'database', files: 1 });
    expect(dbOnly.bytes_added).toBeLessThan(20_000);
    const entries = await json(['ls', '--repo', join(work, 'repo'), dbOnly.id, '-r', '--json']);
    expect(entries.map((e: { path: string }) => e.path)).toEqual(['.sitevault', '.sitevault/database.sql']);
  });

  it('a database that cannot be dumped (a wrong password) does not take the files down: the files are saved in a snapshot marked database-missing, the run fails for its database', async () => {
    const repo = join(work, 'repo');
    expect((await sv(['destination', 'add', 'Vault', '--url', repo, '--passphrase-env', 'REPO_PASS'], { REPO_PASS: 'site repo passphrase' })).code).toBe(0);
    await sv(
      [
        'site',
        'add',
        'Bad DB',
        '--url',
        `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`,
        '--password-env',
        'SHELL_PASSWORD',
        '--host-key',
        harness.sshd!.hostKeyFingerprint,
        '--destination',
        'Vault',
        // The 105 MB file is read in the tests above; here only the database matters.
        '--exclude',
        'big-video.mp4',
        '--db',
        `mysql://${harness.mariadb!.wp.user}@127.0.0.1:${harness.mariadb!.port}/${placed.database}`,
        '--db-password-env',
        'WRONG_DB',
      ],
      { WRONG_DB: 'not-the-password' },
    );
    const before = (await json(['snapshots', '--repo', repo, '--json'])).length;
    // Into its saved destination: through the service, as the app and the scheduler run it.
    const result = await sv(['backup', '--site', 'Bad DB', '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Files backed up \\(snapshot [0-9a-f]{8}\\), but the database ${placed.database} could not be dumped: .*Access denied`));
    expect(result.stderr).not.toContain('not-the-password');

    const snapshots = await json(['snapshots', '--repo', repo, '--json']);
    expect(snapshots.length).toBe(before + 1);
    const saved = snapshots.at(-1);
    expect(saved).toMatchObject({ site: 'Bad DB', kind: 'files' });
    expect(saved.tags).toContain('database-missing');
    const entries: string[] = (await json(['ls', '--repo', repo, saved.id, '-r', '--json'])).map((e: { path: string }) => e.path);
    expect(entries).toContain('wp-config.php');
    expect(entries.filter((p) => p.startsWith('.sitevault'))).toEqual([]);

    const catalog = JSON.parse(await readFile(join(home, 'catalog.json'), 'utf8'));
    const record = catalog.sites['Bad DB'];
    expect(record.lastRun).toMatchObject({ status: 'failed', code: 'DATABASE_FAILED' });
    expect(record.lastRun.error).toMatch(/Access denied/);
    expect(record.lastGood).toBeNull();
    expect(record.database).toBeNull();
    expect(record.files).not.toBeNull();
    expect(record.summary).toMatchObject({ destination: 'Vault', snapshots: 1, lastDatabase: null, wordpress: true, latest: { id: saved.id, databaseMissing: true } });
    expect(catalog.history.at(-1)).toMatchObject({ site: 'Bad DB', status: 'failed', snapshot: saved.id, code: 'DATABASE_FAILED' });

    const listed = (await json(['site', 'list', '--json'])).find((s: { name: string }) => s.name === 'Bad DB');
    expect(listed.health).toMatchObject({ state: 'failing', failures: 1, lastError: { code: 'DATABASE_FAILED' } });
    expect(listed.summary.latest).toMatchObject({ kind: 'files', databaseMissing: true });
    expect(JSON.stringify(catalog)).not.toContain('not-the-password');

    // A second failure in a row, then forget: the summary the dashboard reads follows both.
    expect((await sv(['backup', '--site', 'Bad DB'])).code).toBe(1);
    const summaryOf = async () => JSON.parse(await readFile(join(home, 'catalog.json'), 'utf8')).sites['Bad DB'];
    expect(await summaryOf()).toMatchObject({ failures: 2, summary: { snapshots: 2 } });
    expect((await sv(['forget', '--repo', 'Vault', '--site', 'Bad DB', '--keep-last', '1'])).code).toBe(0);
    expect((await summaryOf()).summary).toMatchObject({ snapshots: 1, wordpress: true, latest: { databaseMissing: true } });
  });

  it('keeps secrets out of settings.json and out of every command line while backing up', async () => {
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    for (const secret of [harness.sshd!.shell.password, harness.mariadb!.wp.password, 'site repo passphrase']) expect(settings).not.toContain(secret);
    const seen = new Set<string>();
    const backupRun = sv(['backup', '--repo', join(work, 'repo'), '--site', 'Shell Site', '--json']);
    let done = false;
    void backupRun.finally(() => (done = true));
    while (!done) {
      for (const line of commandLines()) seen.add(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await backupRun).code).toBe(0);
    expect([...seen].some((line) => line.includes('mysqldump') || line.includes('find . -mindepth'))).toBe(true);
    for (const secret of [harness.sshd!.shell.password, harness.mariadb!.wp.password, 'site repo passphrase']) {
      expect([...seen].filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});

describe('SFTP-only site (chrooted, no shell)', () => {
  let placed: PlacedSite;
  beforeAll(async () => {
    placed = await placeSite(harness, 'sftp-only', 'chroot-site');
    await sv([
      'site',
      'add',
      'Chroot Site',
      '--url',
      `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`,
      '--identity',
      harness.sshd!.sftp.privateKeyPath,
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
    ]);
  });

  it('site test finds no shell, detects WordPress, and says the database needs SSH', async () => {
    const result = await sv(['site', 'test', 'Chroot Site', '--json']);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ shell: false, wordpress: true, database: { reachable: false } });
    expect(report.database.message).toMatch(/needs SSH with a shell/);
  });

  it('refuses to skip the database silently; files-only works and restores byte-exact', async () => {
    const refused = await sv(['backup', '--repo', join(work, 'repo'), '--site', 'Chroot Site', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/database needs SSH with a shell.*SFTP only/);
    const result = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Chroot Site', '--files-only', '--json']);
    const target = join(work, 'chroot-restore');
    expect((await sv(['restore', '--repo', join(work, 'repo'), result.id, '--target', target])).code).toBe(0);
    expect(await describeTree(target)).toEqual(await expectedTree(placed.diskPath));
    const again = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Chroot Site', '--files-only', '--json']);
    expect(again).toMatchObject({ files_new: 0, files_changed: 0, bytes_read: 0 });
  });

  it('records a folder it may not read as a warning and completes', async () => {
    const locked = join(placed.diskPath, 'private');
    await mkdir(locked);
    await writeFile(join(locked, 'secret.txt'), 'x');
    await chmod(locked, 0o000);
    try {
      const result = await json(['backup', '--repo', join(work, 'repo'), '--site', 'Chroot Site', '--files-only', '--json']);
      expect(result.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'private', message: expect.stringMatching(/cannot list folder/) })]));
    } finally {
      await chmod(locked, 0o755);
      await rm(locked, { recursive: true });
    }
  });
});

describe.each([
  ['FTP', 'ftp', [] as string[]],
  ['FTPS', 'ftps', ['--ca', 'CA']],
])('site over %s', (label, scheme, extra) => {
  let placed: PlacedSite;
  beforeAll(async () => {
    placed = await placeSite(harness, 'ftp', `${scheme}-site`);
    const flags = extra.map((f) => (f === 'CA' ? harness.ftpd!.caFile : f));
    const url = `${scheme}://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', `${label} Site`, '--url', url, '--password-env', 'FTP_PASSWORD', '--db', 'none', '--max-connections', '4', ...flags])).code).toBe(0);
  });

  it('backs up, restores the same names and contents, and a second backup reads nothing', async () => {
    const result = await json(['backup', '--repo', join(work, 'repo'), '--site', `${label} Site`, '--json']);
    expect(result.kind).toBe('files');
    const target = join(work, `${scheme}-restore`);
    expect((await sv(['restore', '--repo', join(work, 'repo'), result.id, '--target', target])).code).toBe(0);
    // FTP gives no exact modes or sub-second times: names, types, sizes and contents must match.
    const strip = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, v.replace(/^(file|dir) \d+/, '$1').replace(/ t=\d+/, '')]));
    expect(strip(await describeTree(target, { mtimes: false }))).toEqual(strip(await expectedTree(placed.diskPath, { mtimes: false })));
    const again = await json(['backup', '--repo', join(work, 'repo'), '--site', `${label} Site`, '--json']);
    expect(again).toMatchObject({ files_new: 0, files_changed: 0, bytes_read: 0 });
  });
});

describe('errors name what went wrong', () => {
  const repo = () => join(work, 'repo');
  const adhoc = (url: string, extra: string[] = [], envExtra: NodeJS.ProcessEnv = {}) => sv(['backup', '--repo', repo(), '--source', url, '--db', 'none', ...extra], envExtra);
  const shellUrl = () => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${harness.sshd!.shell.home}`;

  it('a wrong password', async () => {
    const result = await adhoc(shellUrl(), ['--source-host-key', harness.sshd!.hostKeyFingerprint], { SITEVAULT_SOURCE_PASSWORD: 'wrong-one' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AUTH_FAILED');
    expect(result.stderr).not.toContain('wrong-one');
  });

  it('an unknown and a changed host key', async () => {
    const unknown = await adhoc(shellUrl(), [], { SITEVAULT_SOURCE_PASSWORD: harness.sshd!.shell.password });
    expect(unknown.stderr).toContain('HOST_KEY_UNKNOWN');
    expect(unknown.stderr).toContain(harness.sshd!.hostKeyFingerprint);
    const changed = await adhoc(shellUrl(), ['--source-host-key', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], { SITEVAULT_SOURCE_PASSWORD: harness.sshd!.shell.password });
    expect(changed.stderr).toContain('HOST_KEY_CHANGED');
  });

  it('a certificate that does not validate', async () => {
    const result = await adhoc(`ftps://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/public_html`, [], { SITEVAULT_SOURCE_PASSWORD: harness.ftpd!.password });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TLS_UNTRUSTED');
  });

  it('an unreachable host', async () => {
    const result = await adhoc('sftp://nobody@127.0.0.1:1/x', ['--source-host-key', harness.sshd!.hostKeyFingerprint], { SITEVAULT_SOURCE_PASSWORD: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONNECTION_FAILED');
  });
});
