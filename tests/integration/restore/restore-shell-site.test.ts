import { appendFile, chmod, mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { rootSql } from '../../harness/mariadb';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

let harness: HarnessInfo;
let home: string;
let work: string;
let repo: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: 'restore repo passphrase',
  SHELL_PASSWORD: harness.sshd!.shell.password,
  ...extra,
});
const { sv, json } = cliWith(env);

async function rows(database: string): Promise<string> {
  return rootSql(harness.mariadb!, 'SELECT COUNT(*), SUM(CRC32(post_content)) FROM wp_posts; SELECT option_name, option_value FROM wp_options ORDER BY option_name;', database);
}

async function chownTo(path: string): Promise<void> {
  const ids = await userIds(harness.sshd!.shell.username);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, path]);
}

/** The site tree as it should be after restoring a snapshot: the snapshot restored to a folder, minus the dump. */
async function snapshotTree(id: string): Promise<Record<string, string>> {
  const target = join(work, `expected-${id.slice(0, 8)}`);
  await rm(target, { recursive: true, force: true });
  expect((await sv(['restore', '--repo', repo, id, '--target', target])).code).toBe(0);
  const tree = await describeTree(target);
  for (const path of Object.keys(tree)) if (path === '.sitevault' || path.startsWith('.sitevault/')) delete tree[path];
  return tree;
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-restore-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-restore-work-'));
  repo = join(work, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('restore to a site over SSH with a shell', () => {
  let placed: PlacedSite;
  let snapshot: string;
  let originalRows: string;
  let damagedTree: Record<string, string>;
  let damagedRows: string;
  let safety: string;

  beforeAll(async () => {
    placed = await placeSite(harness, 'ssh-shell', 'restore-shell');
    const odd = join(placed.diskPath, 'odd names');
    await mkdir(odd);
    for (const name of ['with space.txt', "quote'single.txt", 'new\nline.txt', 'ünïcødé 日本.txt', '-dash.txt']) await writeFile(join(odd, name), `content of ${name}`);
    await symlink('../wp-config.php', join(odd, 'config-link'));
    await writeFile(join(placed.diskPath, 'private.txt'), 'secret-ish');
    await chmod(join(placed.diskPath, 'private.txt'), 0o600);
    await run('sh', ['-c', `head -c ${12 * 1024 * 1024} /dev/urandom > '${join(placed.diskPath, 'wp-content', 'uploads', 'video.mp4')}'`]);
    await chownTo(placed.diskPath);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Restore Shell', '--url', url, '--password-env', 'SHELL_PASSWORD', '--accept-new-host-key'])).code).toBe(0);
    snapshot = (await json(['backup', '--repo', repo, '--site', 'Restore Shell', '--json'])).id;
    originalRows = await rows(placed.database);

    // The damage: a changed, a deleted, an added file and folder, a mode change, a touched
    // file with the same content, a symlink planted where a file was, and database changes.
    const d = placed.diskPath;
    await appendFile(join(d, 'index.php'), '\n// injected');
    await unlink(join(d, 'wp-includes', await readdirFirstFile(join(d, 'wp-includes'))));
    await writeFile(join(d, 'wp-content', 'uploads', 'shell.php'), '<?php system($_GET["c"]);');
    await mkdir(join(d, 'wp-content', 'evil'));
    await writeFile(join(d, 'wp-content', 'evil', 'x.php'), 'x');
    await chmod(join(d, 'private.txt'), 0o666);
    await utimes(join(d, 'wp-login.php'), new Date('2025-05-05T00:00:00Z'), new Date('2025-05-05T00:00:00Z'));
    await rm(join(d, 'odd names', 'with space.txt'));
    await symlink('/etc/passwd', join(d, 'odd names', 'with space.txt'));
    await chownTo(d);
    await run('chown', ['-h', `${(await userIds(harness.sshd!.shell.username)).uid}`, join(d, 'odd names', 'with space.txt')]);
    await rootSql(harness.mariadb!, "UPDATE wp_options SET option_value='Hacked!' WHERE option_name='blogname'; DELETE FROM wp_posts WHERE ID < 3; CREATE TABLE wp_extra (id int);", placed.database);
    damagedTree = await describeTree(d);
    damagedRows = await rows(placed.database);
  });

  async function readdirFirstFile(dir: string): Promise<string> {
    const { readdir } = await import('node:fs/promises');
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()[0]!;
  }

  it('previews what it will upload, delete and replace, and writes nothing', async () => {
    const preview = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Shell', '--delete', '--dry-run', '--json']);
    expect(preview).toMatchObject({ dry_run: true, method: 'tar over SSH', migration: false, safety_snapshot: null, complete: true });
    const uploads = Object.fromEntries(preview.preview.upload.map((u: { path: string; reason: string }) => [u.path, u.reason]));
    expect(uploads['index.php']).toBe('changed');
    expect(Object.values(uploads)).toContain('new');
    expect(uploads['odd names/with space.txt']).toBe('replaces another type');
    expect(uploads['wp-login.php']).toBeUndefined();
    expect(preview.preview.metadata).toEqual(expect.arrayContaining(['wp-login.php', 'private.txt']));
    expect(preview.preview.extra).toEqual(expect.arrayContaining(['wp-content/uploads/shell.php', 'wp-content/evil']));
    expect(preview.preview.extra).not.toContain('wp-content/evil/x.php');
    expect(preview.preview.delete_extra).toBe(true);
    expect(preview.preview.database.name).toBe(placed.database);
    expect(preview.preview.database.replace_tables).toEqual(expect.arrayContaining(['wp_options', 'wp_posts']));
    expect(preview.preview.database.other_tables).toEqual(['wp_extra']);
    expect(await describeTree(placed.diskPath)).toEqual(damagedTree);
    expect(await rows(placed.database)).toBe(damagedRows);
  });

  it('makes the site byte-identical to the snapshot (modes, mtimes, symlinks) and the rows equal', async () => {
    const result = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Shell', '--delete', '--json']);
    expect(result).toMatchObject({ complete: true, failed: [], not_written: [], database: { imported: true } });
    expect(result.safety_snapshot).toMatch(/^[0-9a-f]{64}$/);
    safety = result.safety_snapshot;
    expect(result.written.files).toBeLessThan(10);
    // Excluded folders (the WordPress cache and backup plugins' folders) are never touched.
    const excluded = Object.fromEntries(Object.entries(damagedTree).filter(([path]) => /^wp-content\/(cache|updraft)(\/|$)/.test(path)));
    expect(Object.keys(excluded).length).toBeGreaterThan(0);
    expect(await describeTree(placed.diskPath)).toEqual({ ...(await snapshotTree(snapshot)), ...excluded });
    expect(await rows(placed.database)).toBe(originalRows);
    // A table the dump does not have is left as it is (the preview said so).
    expect(await rootSql(harness.mariadb!, 'SHOW TABLES', placed.database)).toContain('wp_extra');
    const again = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Shell', '--delete', '--dry-run', '--json']);
    expect(again.preview.upload).toEqual([]);
    expect(again.preview.extra).toEqual([]);
    expect(again.preview.metadata).toEqual([]);
  });

  it('keeps a safety snapshot that undoes the restore', async () => {
    const listed = await json(['snapshots', '--repo', repo, '--json']);
    const safetySnap = listed.find((s: { id: string }) => s.id === safety);
    expect(safetySnap.tags).toEqual(expect.arrayContaining(['safety']));
    // "latest" for a site restore is the site's latest backup, never the safety snapshot.
    expect((await json(['restore', '--repo', repo, 'latest', '--to-site', 'Restore Shell', '--dry-run', '--json'])).snapshot).toBe(snapshot);
    const undo = await json(['restore', '--repo', repo, safety, '--to-site', 'Restore Shell', '--delete', '--json']);
    expect(undo.complete).toBe(true);
    expect(await describeTree(placed.diskPath)).toEqual(damagedTree);
    expect(await rows(placed.database)).toBe(damagedRows);
  });

  it('restores selected paths only, leaving the rest of the site alone', async () => {
    const result = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Shell', '--path', 'index.php', '--path', 'odd names', '--json']);
    expect(result.complete).toBe(true);
    expect(result.database).toBeNull();
    const now = await describeTree(placed.diskPath);
    const expected = await snapshotTree(snapshot);
    expect(now['index.php']).toBe(expected['index.php']);
    expect(now['odd names/with space.txt']).toBe(expected['odd names/with space.txt']);
    expect(now['wp-content/uploads/shell.php']).toBe(damagedTree['wp-content/uploads/shell.php']);
    expect(await rows(placed.database)).toBe(damagedRows);
  });

  it('a file the server refuses is reported as not written; the rest is restored', async () => {
    const locked = join(placed.diskPath, 'wp-includes');
    const inside = await readdirFirstFile(locked);
    await appendFile(join(locked, inside), '\n// changed');
    await appendFile(join(placed.diskPath, 'index.php'), '\n// changed again');
    await run('chown', ['root:root', locked]);
    await chmod(locked, 0o555);
    try {
      const result = await sv(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Shell', '--files-only', '--json']);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.complete).toBe(false);
      expect(report.failed.map((f: { path: string }) => f.path)).toContain(`wp-includes/${inside}`);
      expect(report.failed.find((f: { path: string }) => f.path === `wp-includes/${inside}`).message).toMatch(/^it could not be put in place: Permission denied$/);
      expect(report.not_written).toContain(`wp-includes/${inside}`);
      expect(report.not_written).not.toContain('index.php');
      const expected = await snapshotTree(snapshot);
      expect((await describeTree(placed.diskPath))['index.php']).toBe(expected['index.php']);
    } finally {
      await chmod(locked, 0o755);
      await chownTo(locked);
    }
  });

  it('an import error stops the restore and is reported, the password nowhere in it', async () => {
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    await sv(
      [
        'site',
        'add',
        'Restore Bad DB',
        '--url',
        url,
        '--password-env',
        'SHELL_PASSWORD',
        '--host-key',
        harness.sshd!.hostKeyFingerprint,
        '--db',
        `mysql://${harness.mariadb!.wp.user}@127.0.0.1:${harness.mariadb!.port}/${placed.database}`,
        '--db-password-env',
        'WRONG',
      ],
      { WRONG: 'wrong-pass-"quoted' },
    );
    const result = await sv(['restore', '--repo', repo, snapshot, '--to-site', 'Restore Bad DB', '--db-only', '--no-safety-snapshot']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Importing the database into .* failed: .*Access denied/);
    expect(result.stderr).toMatch(/NOT written[\s\S]*database/);
    expect(result.stderr + result.stdout).not.toContain('wrong-pass');
  });
});
