import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../../src-main/core/backends/local-backend';
import { Repository } from '../../../src-main/core/engine/repository';
import type { Snapshot } from '../../../src-main/core/engine/snapshots';
import { encodeTree } from '../../../src-main/core/engine/tree';
import { CLI, cliWith } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { rootSql } from '../../harness/mariadb';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

const exec = promisify(execFile);
const PASSPHRASE = 'migration repo passphrase';
const OLD_URL = 'https://client-site.example';
const NEW_URL = 'https://staging.other-host.test/shop';
let harness: HarnessInfo;
let home: string;
let work: string;
let repo: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: PASSPHRASE, SHELL_PASSWORD: harness.sshd!.shell.password, ...extra });
const { sv, json } = cliWith(env);
const shellUrl = (placed: PlacedSite) => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;

/** Without the folders WordPress backups exclude by default (cache, updraft): a restore leaves those alone. */
function withoutExcluded(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([path]) => !/^wp-content\/(cache|updraft)(\/|$)/.test(path)));
}

async function chownShell(path: string): Promise<void> {
  const ids = await userIds(harness.sshd!.shell.username);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, path]);
}

/** PHP itself unserializes the value; null when it cannot. */
async function phpUnserialize(value: string): Promise<unknown> {
  const child = spawn('php', ['-r', '$v = @unserialize(stream_get_contents(STDIN)); echo $v === false ? "FALSE" : json_encode($v);']);
  child.stdin.end(value);
  let out = '';
  for await (const chunk of child.stdout) out += chunk;
  return out === 'FALSE' ? null : JSON.parse(out);
}

async function option(database: string, name: string): Promise<string> {
  return (await rootSql(harness.mariadb!, `SELECT option_value FROM wp_options WHERE option_name='${name}'`, database)).replace(/\n$/, '');
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-migrate-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-migrate-work-'));
  repo = join(work, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('restore to another site (staging / new host)', () => {
  let source: PlacedSite;
  let target: PlacedSite;
  let snapshot: string;
  let sourceRows: string;

  beforeAll(async () => {
    source = await placeSite(harness, 'ssh-shell', 'mig-source');
    target = await placeSite(harness, 'ssh-shell', 'mig-target', { seed: 'other content' });
    expect((await sv(['site', 'add', 'Mig Source', '--url', shellUrl(source), '--password-env', 'SHELL_PASSWORD', '--accept-new-host-key'])).code).toBe(0);
    expect((await sv(['site', 'add', 'Mig Target', '--url', shellUrl(target), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--staging'])).code).toBe(0);
    snapshot = (await json(['backup', '--repo', repo, '--site', 'Mig Source', '--json'])).id;
    sourceRows = await rootSql(harness.mariadb!, 'SELECT option_name, option_value FROM wp_options ORDER BY option_name', source.database);
  });

  it('previews the URL change and the rewritten wp-config.php', async () => {
    const preview = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Mig Target', '--new-url', NEW_URL, '--delete', '--dry-run', '--json']);
    expect(preview).toMatchObject({ migration: true, dry_run: true, preview: { url: { from: OLD_URL, to: NEW_URL }, wp_config: 'rewritten for this site', database: { name: target.database } } });
  });

  it('copies the site under its new URL: serialized options still unserialize, wp-config points at its own database', async () => {
    const result = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Mig Target', '--new-url', NEW_URL, '--delete', '--json']);
    expect(result).toMatchObject({ complete: true, migration: true, database: { imported: true } });
    expect(result.database.values_rewritten).toBeGreaterThan(5);

    expect(await option(target.database, 'siteurl')).toBe(NEW_URL);
    expect(await option(target.database, 'home')).toBe(NEW_URL);
    const widget = (await phpUnserialize(await option(target.database, 'widget_text'))) as Record<string, string>;
    expect(widget).toEqual({ title: 'Besuchen Sie uns', url: `${NEW_URL}/kontakt/`, text: `Öffnungszeiten auf ${NEW_URL}` });
    const mods = (await phpUnserialize(await option(target.database, 'theme_mods_agency-pro'))) as Record<string, string>;
    expect(mods['header_image']).toBe(`${NEW_URL}/wp-content/uploads/2024/05/header.jpg`);
    const leftovers = await rootSql(
      harness.mariadb!,
      `SELECT (SELECT COUNT(*) FROM wp_options WHERE option_value LIKE '%${OLD_URL}%') + (SELECT COUNT(*) FROM wp_posts WHERE post_content LIKE '%${OLD_URL}%' OR guid LIKE '%${OLD_URL}%') + (SELECT COUNT(*) FROM wp_users WHERE user_url LIKE '%${OLD_URL}%')`,
      target.database,
    );
    expect(leftovers.trim()).toBe('0');
    const posts = await rootSql(harness.mariadb!, 'SELECT COUNT(*) FROM wp_posts', target.database);
    expect(posts).toBe(await rootSql(harness.mariadb!, 'SELECT COUNT(*) FROM wp_posts', source.database));

    // PHP reads the new wp-config.php's defines: the target's own database, password quotes and all.
    const config = await readFile(join(target.diskPath, 'wp-config.php'), 'utf8');
    const { stdout } = await exec('php', [
      '-r',
      'foreach (file($argv[1]) as $l) if (preg_match("/^define\\\\( .DB_(NAME|USER|PASSWORD|HOST)/", $l)) eval($l); echo json_encode([DB_NAME, DB_USER, DB_PASSWORD, DB_HOST]);',
      join(target.diskPath, 'wp-config.php'),
    ]);
    expect(JSON.parse(stdout)).toEqual([target.database, harness.mariadb!.wp.user, harness.mariadb!.wp.password, `${harness.mariadb!.host}:${harness.mariadb!.port}`]);
    expect(config).toContain("$table_prefix = 'wp_';");

    // Every other file is the snapshot's; the source site and its database are untouched.
    const expected = withoutExcluded(await describeTree(source.diskPath));
    const copied = withoutExcluded(await describeTree(target.diskPath));
    delete expected['wp-config.php'];
    delete copied['wp-config.php'];
    expect(copied).toEqual(expected);
    expect(await rootSql(harness.mariadb!, 'SELECT option_name, option_value FROM wp_options ORDER BY option_name', source.database)).toBe(sourceRows);
  });

  it('downloads the database alone as .sql and in a .zip, equal to the dump in the snapshot', async () => {
    const dumped = await sv(['dump', '--repo', repo, snapshot, '.sitevault/database.sql']);
    expect(dumped.code).toBe(0);
    await json(['download', '--repo', repo, snapshot, '--db-only', '--out', join(work, 'db.sql'), '--json']);
    expect(await readFile(join(work, 'db.sql'), 'utf8')).toBe(dumped.stdout);
    await json(['download', '--repo', repo, snapshot, '--db-only', '--out', join(work, 'db.zip'), '--json']);
    const { stdout } = await exec('unzip', ['-p', join(work, 'db.zip'), 'database.sql'], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toBe(dumped.stdout);
  });

  it('refuses to restore a database where the site allows no shell, before writing anything', async () => {
    const chroot = await placeSite(harness, 'sftp-only', 'mig-chroot');
    await sv([
      'site',
      'add',
      'Mig Chroot',
      '--url',
      `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${chroot.remotePath}`,
      '--identity',
      harness.sshd!.sftp.privateKeyPath,
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
    ]);
    const before = await describeTree(chroot.diskPath);
    const result = await sv(['restore', '--repo', repo, snapshot, '--to-site', 'Mig Chroot', '--delete']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/can only be restored over SSH with a shell.*SFTP only[\s\S]*--files-only/);
    expect(await describeTree(chroot.diskPath)).toEqual(before);
  });

  it('refuses a tampered snapshot (a name like ../x) and writes nothing to the site', async () => {
    const engineRepo = await Repository.open(new LocalBackend(repo), PASSPHRASE);
    const writer = engineRepo.newBlobWriter();
    const content = (await writer.save('data', Buffer.from('owned'))).id;
    const tree = (await writer.save('tree', encodeTree([{ name: '../escape.php', type: 'file', mode: 0o644, mtime: 0, size: 5, content: [content] }]))).id;
    await writer.flush();
    const evil: Snapshot = {
      version: 1,
      time: new Date().toISOString(),
      site: 'Mig Target',
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
    const id = (await engineRepo.saveJson('snapshots', evil)).id;
    const before = await describeTree(target.diskPath);
    const result = await sv(['restore', '--repo', repo, id, '--to-site', 'Mig Target', '--delete']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/single clean path segment/);
    expect(await describeTree(target.diskPath)).toEqual(before);
    // Other test files place their sites beside it at the same time: only the escaped name counts.
    expect(await readdir(join(target.diskPath, '..'))).not.toContain('escape.php');
    const download = await sv(['download', '--repo', repo, id, '--out', join(work, 'evil.tar.gz')]);
    expect(download.code).toBe(1);
    expect(download.stderr).toMatch(/single clean path segment/);
    expect((await readdir(work)).filter((n) => n.includes('evil'))).toEqual([]);
  });
});

describe('an interrupted restore', () => {
  it('resumes after the process is killed, with the same safety snapshot, and finishes byte-identical', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'resume-site');
    for (let i = 0; i < 3; i++) await run('sh', ['-c', `head -c ${60 * 1024 * 1024} /dev/urandom > '${join(placed.diskPath, 'wp-content', 'uploads', `big-${i}.mp4`)}'`]);
    await chownShell(placed.diskPath);
    expect((await sv(['site', 'add', 'Resume Site', '--url', shellUrl(placed), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const id = (await json(['backup', '--repo', repo, '--site', 'Resume Site', '--json'])).id;
    const expected = withoutExcluded(await describeTree(placed.diskPath));
    await run('sh', ['-c', `rm -rf '${placed.diskPath}'/*`]);

    const child = spawn(process.execPath, [CLI, 'restore', '--repo', repo, id, '--to-site', 'Resume Site', '--delete'], { env: env(), stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    const uploaded = async () => {
      let bytes = 0;
      for (const name of await readdir(join(placed.diskPath, 'wp-content', 'uploads')).catch(() => [] as string[])) {
        if (name.startsWith('big-')) bytes += (await stat(join(placed.diskPath, 'wp-content', 'uploads', name)).catch(() => ({ size: 0 }))).size;
      }
      return bytes;
    };
    while ((await uploaded()) < 30 * 1024 * 1024 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(await uploaded()).toBeLessThan(180 * 1024 * 1024);

    const journals = (await readdir(join(home, 'restores'))).filter((n) => n.endsWith('.json'));
    const first = (await Promise.all(journals.map(async (n) => JSON.parse(await readFile(join(home, 'restores', n), 'utf8'))))).find((j) => j.site === 'Resume Site');
    expect(first).toMatchObject({ site: 'Resume Site', snapshot: id, state: 'running', done: { files: false } });
    expect(first.safetySnapshot).toMatch(/^[0-9a-f]{64}$/);

    const resumed = await sv(['restore', '--repo', repo, id, '--to-site', 'Resume Site', '--delete', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Resuming the interrupted restore/);
    const result = JSON.parse(resumed.stdout);
    expect(result).toMatchObject({ resumed: true, complete: true, safety_snapshot: first.safetySnapshot });
    expect(await describeTree(placed.diskPath)).toEqual(expected);
  });

  it('Ctrl+C cancels the restore job: it says what was not written and how to go on, and the same command finishes it', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'cancel-site');
    const uploads = join(placed.diskPath, 'wp-content', 'uploads');
    for (let i = 0; i < 3; i++) await run('sh', ['-c', `head -c ${60 * 1024 * 1024} /dev/urandom > '${join(uploads, `big-${i}.mp4`)}'`]);
    await chownShell(placed.diskPath);
    expect((await sv(['site', 'add', 'Cancel Site', '--url', shellUrl(placed), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const id = (await json(['backup', '--repo', repo, '--site', 'Cancel Site', '--json'])).id;
    const expected = withoutExcluded(await describeTree(placed.diskPath));
    await run('sh', ['-c', `rm -rf '${placed.diskPath}'/*`]);

    const args = ['restore', '--repo', repo, id, '--to-site', 'Cancel Site', '--delete', '--no-safety-snapshot'];
    const child = spawn(process.execPath, [CLI, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const uploaded = async () => {
      let bytes = 0;
      for (const name of await readdir(uploads).catch(() => [] as string[])) if (name.startsWith('big-')) bytes += (await stat(join(uploads, name)).catch(() => ({ size: 0 }))).size;
      return bytes;
    };
    const started = Date.now();
    while ((await uploaded()) < 30 * 1024 * 1024 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/sitevault restore: The restore to Cancel Site stopped: /);
    // Entries are put in place batch by batch from a staging folder (folders first), so the list names folders and files not yet in place.
    expect(stderr).toMatch(/NOT written \(\d+\):\n {2}\S/);
    expect(stderr).toMatch(/Run the same restore again to resume it\.\n/);

    const again = await sv([...args, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ resumed: true, complete: true });
    expect(await describeTree(placed.diskPath)).toEqual(expected);
  }, 180_000);
});
