import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh } from '../../../src-main/core/backends/sftp-backend';
import type { ContentStream } from '../../../src-main/core/engine/content-stream';
import type { TreeNode } from '../../../src-main/core/engine/tree';
import { SftpSiteWriter } from '../../../src-main/core/site-restore/sftp-writer';
import { cliWith } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

/**
 * Review r1, point 1: whoever runs as the web server can write the site's files, and swaps a
 * file or a folder for a symlink while a restore runs. Neither the login's chmod/touch nor tar
 * (over SSH), nor SFTP's chmod/utimes, may then act on what the link points to.
 */
let harness: HarnessInfo;
let home: string;
let repo: string;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'race passphrase', SHELL_PASSWORD: harness.sshd!.shell.password });
const { sv, json } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-races-'));
  repo = join(home, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Runs `action` (as root, the attacker) as soon as a process of the login matches `pattern`. */
function whenRunning(user: string, pattern: string, action: string): { stop(): void; done(): boolean } {
  let swapped = '';
  const watcher = spawn('bash', ['-c', `until pgrep -u ${user} -f '${pattern}' >/dev/null; do :; done; ${action}; echo swapped`], { stdio: ['ignore', 'pipe', 'inherit'] });
  watcher.stdout.on('data', (chunk: Buffer) => (swapped += chunk.toString()));
  return { stop: () => watcher.kill(), done: () => swapped.includes('swapped') };
}

async function ownedFile(path: string, text: string, mode: number, ids: { uid: number; gid: number }): Promise<void> {
  await writeFile(path, text, { mode });
  await chown(path, ids.uid, ids.gid);
  await chmod(path, mode);
}

describe('a restore over SSH with a shell, against a site that swaps in symlinks', () => {
  it("sets no mode through a file swapped for a symlink (a 0600 file in the login's home keeps its mode)", async () => {
    const user = harness.sshd!.shell.username;
    const placed = await placeSite(harness, 'ssh-shell', 'race-meta');
    const url = `sftp://${user}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Race Meta', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const secret = join(harness.sshd!.shell.home, 'race-secret');
    const ids = await userIds(user);
    await ownedFile(secret, 'private\n', 0o600, ids);
    const dir = join(placed.diskPath, 'zz-meta');
    await mkdir(dir);
    const names = Array.from({ length: 1500 }, (_, i) => `f${String(i).padStart(5, '0')}`);
    for (const name of [...names, 'zzzz-target']) await ownedFile(join(dir, name), 'x', 0o666, ids);
    await run('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
    const backup = await json(['backup', '--repo', repo, '--site', 'Race Meta', '--files-only', '--json']);
    // Later, on the compromised site: the modes differ, so every file is in the metadata step.
    for (const name of [...names, 'zzzz-target']) await chmod(join(dir, name), 0o644);
    const target = join(dir, 'zzzz-target');
    const attacker = whenRunning(user, '^sh -s$', `rm -f '${target}'; ln -s '${secret}' '${target}'`);
    const restore = await sv(['restore', '--repo', repo, backup.id, '--to-site', 'Race Meta', '--files-only', '--no-safety-snapshot', '--json']);
    attacker.stop();
    expect(attacker.done()).toBe(true);
    expect((await stat(secret)).mode & 0o7777).toBe(0o600);
    // The swap came before the step reached the file: it is reported, not silently skipped.
    const report = JSON.parse(restore.stdout);
    expect(restore.code).toBe(1);
    expect(report.failed).toEqual([{ path: 'zz-meta/zzzz-target', message: expect.stringMatching(/symlink/) }]);
    expect((await stat(join(dir, names[0]!))).mode & 0o7777).toBe(0o666);
  }, 180_000);

  it('writes nothing through a folder swapped for a symlink while tar unpacks', async () => {
    const user = harness.sshd!.shell.username;
    const ids = await userIds(user);
    const placed = await placeSite(harness, 'ssh-shell', 'race-tar');
    const url = `sftp://${user}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Race Tar', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const outside = join(harness.sshd!.shell.home, 'race-out');
    await rm(outside, { recursive: true, force: true });
    await mkdir(outside);
    await chown(outside, ids.uid, ids.gid);
    const pad = join(placed.diskPath, 'aa-pad');
    await mkdir(pad);
    for (let i = 0; i < 200; i++) await writeFile(join(pad, `p${i}`), Buffer.alloc(200_000, i));
    const dir = join(placed.diskPath, 'zz-dir');
    await mkdir(dir);
    await writeFile(join(dir, 'authorized_keys'), 'ssh-ed25519 AAAA attacker\n');
    await run('chown', ['-R', `${ids.uid}:${ids.gid}`, pad, dir]);
    const backup = await json(['backup', '--repo', repo, '--site', 'Race Tar', '--files-only', '--json']);
    // Later: the site's files differ, so they are written back.
    for (let i = 0; i < 200; i++) await writeFile(join(pad, `p${i}`), 'changed');
    await writeFile(join(dir, 'authorized_keys'), 'changed');
    const attacker = whenRunning(user, 'tar -x', `mv '${dir}' '${dir}.real'; ln -s '${outside}' '${dir}'`);
    const restore = await sv(['restore', '--repo', repo, backup.id, '--to-site', 'Race Tar', '--files-only', '--no-safety-snapshot', '--json']);
    attacker.stop();
    expect(attacker.done()).toBe(true);
    await expect(readFile(join(outside, 'authorized_keys'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(((await stat(outside)).mode & 0o7777).toString(8)).toBe('755');
    const report = JSON.parse(restore.stdout);
    expect(restore.code).toBe(1);
    expect(report.failed).toEqual(expect.arrayContaining([{ path: 'zz-dir/authorized_keys', message: expect.stringMatching(/not a real folder/) }]));
    // Everything else was restored; no staging folder is left.
    expect(await readFile(join(pad, 'p7'))).toEqual(Buffer.alloc(200_000, 7));
    expect(await readFile(join(dir + '.real', 'authorized_keys'), 'utf8')).toBe('changed');
    expect((await readdir(placed.diskPath)).filter((name) => name.startsWith('.sitevault-part-'))).toEqual([]);
  }, 180_000);
});

/** An SFTP session as the given login, and the writer a restore would use on `root`. */
async function sftpWriter(kind: 'shell' | 'sftp', root: string): Promise<{ writer: SftpSiteWriter; close(): void }> {
  const account = harness.sshd![kind];
  const { client } = await connectSsh(
    { host: '127.0.0.1', port: harness.sshd!.port, username: account.username },
    { identityFile: account.privateKeyPath, hostKey: harness.sshd!.hostKeyFingerprint },
    { timeoutSeconds: 10 },
  );
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((error, s) => (error ? reject(error) : resolve(s))));
  return { writer: new SftpSiteWriter(sftp, root), close: () => client.end() };
}

const fileNode = (mode: number): TreeNode => ({ name: 'x', type: 'file', mode, mtime: 1_600_000_000_000, size: 1, content: [] });
const dirNode = (mode: number): TreeNode => ({ name: 'x', type: 'dir', mode, mtime: 1_600_000_000_000, subtree: '0'.repeat(64) });

describe('a restore over SFTP, against a site that swaps in symlinks', () => {
  it('sets modes and times without following a file or a folder swapped for a symlink (lsetstat)', async () => {
    const user = harness.sshd!.shell.username;
    const site = join(harness.sshd!.shell.home, 'sites', 'race-sftp');
    await rm(site, { recursive: true, force: true });
    await mkdir(join(site, 'real'), { recursive: true });
    const secret = join(harness.sshd!.shell.home, 'race-sftp-secret');
    const secretDir = join(harness.sshd!.shell.home, 'race-sftp-private');
    await ownedFile(secret, 'private\n', 0o600, await userIds(user));
    await rm(secretDir, { recursive: true, force: true });
    await mkdir(secretDir, { mode: 0o700 });
    await ownedFile(join(site, 'real', 'ok.php'), 'x', 0o644, await userIds(user));
    await symlink(secret, join(site, 'real', 'swapped.php'));
    await symlink(secretDir, join(site, 'swapped-dir'));
    const ids = await userIds(user);
    await run('chown', ['-R', '-h', `${ids.uid}:${ids.gid}`, site]);
    const { writer, close } = await sftpWriter('shell', site);
    try {
      const failed: Array<[string, string]> = [];
      const hooks = { onFailed: (path: string, message: string) => failed.push([path, message]), onWritten: () => {} };
      await writer
        .setMetadata(
          [
            { path: 'real/ok.php', node: fileNode(0o640) },
            { path: 'real/swapped.php', node: fileNode(0o666) },
          ],
          hooks,
        )
        .catch(() => {});
      await writer.write([{ path: 'swapped-dir', node: dirNode(0o777), reason: 'folder times' }], {} as ContentStream, hooks);
      expect((await stat(secret)).mode & 0o7777).toBe(0o600);
      expect((await stat(secretDir)).mode & 0o7777).toBe(0o700);
      expect((await stat(secret)).mtimeMs).not.toBe(1_600_000_000_000);
      expect((await lstat(join(site, 'real', 'ok.php'))).mode & 0o7777).toBe(0o640);
      expect(failed.map(([path]) => path)).toEqual(['real/swapped.php', 'swapped-dir']);
      expect(await writer.capabilities()).toEqual({ setsMetadataInPlace: true, caveats: [] });
    } finally {
      close();
    }
  });

  it('a chrooted SFTP server that cannot set a mode without following a symlink sets none by path', async () => {
    const user = harness.sshd!.sftp.username;
    const ids = await userIds(user);
    const chroot = harness.sshd!.sftp.chroot;
    const site = join(chroot, 'public_html', 'race-chroot');
    const keep = join(chroot, 'backups', 'race-chroot-secret');
    await rm(site, { recursive: true, force: true });
    await mkdir(site, { recursive: true });
    await ownedFile(keep, 'private\n', 0o600, await userIds(user));
    // The link as the chrooted server resolves it.
    await symlink('/backups/race-chroot-secret', join(site, 'swapped.php'));
    await run('chown', ['-R', '-h', `${ids.uid}:${ids.gid}`, site]);
    const { writer, close } = await sftpWriter('sftp', '/public_html/race-chroot');
    try {
      const failed: string[] = [];
      await writer.setMetadata([{ path: 'swapped.php', node: fileNode(0o666) }], { onFailed: (path) => failed.push(path) }).catch(() => {});
      expect((await stat(keep)).mode & 0o7777).toBe(0o600);
      expect(failed).toEqual(['swapped.php']);
      // A restore uploads such files again instead, and says so.
      const capabilities = await writer.capabilities();
      expect(capabilities.setsMetadataInPlace).toBe(false);
      expect(capabilities.caveats.join(' ')).toMatch(/uploaded again/);
    } finally {
      close();
    }
  });
});
