import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { FTP_SYSTEM_USER } from '../../harness/ftpd';
import { freePort, canConnect } from '../../harness/ports';
import { startDaemon, stopDaemon, waitFor, type Daemon } from '../../harness/processes';
import { fingerprintOfPublicKey } from '../../harness/sshd';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

/**
 * Issue 13, point 4: a file the web user marked u+s or g+s is stored as the server listed it,
 * but no restore (to a folder, or to a site over SSH, SFTP or FTP, or over a root login) and no
 * download (.tar.gz, .zip) gives the bit back.
 */
let harness: HarnessInfo;
let home: string;
let work: string;
let repo: string;
let rootSshd: { daemon: Daemon; port: number; fingerprint: string; key: string } | null = null;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'setuid repo passphrase', ...accountPasswordEnv(harness), ...extra });
const { sv, json } = cliWith(env);

const PRIVILEGED = { 'bin/suid-tool': 0o4755, 'bin/sgid-tool': 0o2755, 'bin/both-tool': 0o6750, shared: 0o2775 } as const;
const EXPECTED = { 'bin/suid-tool': 0o755, 'bin/sgid-tool': 0o755, 'bin/both-tool': 0o750, shared: 0o775 } as const;

/** A small site whose web user marked a few entries setuid/setgid (chmod after chown, which would clear them). */
async function plantSite(dir: string, owner: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'shared'));
  await writeFile(join(dir, 'index.php'), '<?php echo "hello";\n');
  for (const tool of ['suid-tool', 'sgid-tool', 'both-tool']) await writeFile(join(dir, 'bin', tool), '#!/bin/sh\nid\n');
  await writeFile(join(dir, 'shared', 'note.txt'), 'shared note\n');
  const ids = await userIds(owner);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
  for (const [path, mode] of Object.entries(PRIVILEGED)) await chmod(join(dir, path), mode);
  for (const [path, mode] of Object.entries(PRIVILEGED)) expect((await lstat(join(dir, path))).mode & 0o7777).toBe(mode);
}

/** An empty folder a site user can write to. */
async function emptySite(dir: string, owner: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ids = await userIds(owner);
  await run('chown', [`${ids.uid}:${ids.gid}`, dir]);
}

/** Every entry below `dir` with its permission bits (lstat: links are not followed). */
async function modesBelow(dir: string, prefix = ''): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    out[path] = (await lstat(join(dir, path))).mode & 0o7777;
    if (entry.isDirectory()) Object.assign(out, await modesBelow(dir, path));
  }
  return out;
}

/** The tools came back with their other bits, and nothing anywhere is setuid or setgid. */
async function expectNoPrivilegeBits(dir: string): Promise<void> {
  const modes = await modesBelow(dir);
  for (const [path, mode] of Object.entries(EXPECTED)) expect({ path, mode: modes[path]?.toString(8) }).toEqual({ path, mode: mode.toString(8) });
  expect(
    Object.entries(modes)
      .filter(([, mode]) => (mode & 0o6000) !== 0)
      .map(([path, mode]) => `${path} ${mode.toString(8)}`),
  ).toEqual([]);
}

/** A private sshd that lets root in with a key: the login a careless setup uses. */
async function startRootSshd(dir: string): Promise<NonNullable<typeof rootSshd>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_ed25519');
  const key = join(dir, 'root_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'setuid-test-host', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'setuid-test-root', '-f', key]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${key}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // The keys live under /tmp, which StrictModes would refuse; this sshd serves this test only.
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      'PrintMotd no',
      'MaxSessions 64',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'sshd.log');
  const daemon = startDaemon('root-sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', config], logFile);
  await waitFor(`root sshd on 127.0.0.1:${port}`, () => canConnect(port), 15_000, logFile);
  return { daemon, port, fingerprint: fingerprintOfPublicKey(await readFile(`${hostKey}.pub`, 'utf8')), key };
}

let shellDir: string;
let shellSnapshot: string;

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-setuid-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-setuid-work-'));
  repo = join(work, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
  shellDir = join(harness.sshd!.shell.home, 'sites', 'setuid-shell');
  await plantSite(shellDir, harness.sshd!.shell.username);
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${shellDir}`;
  expect((await sv(['site', 'add', 'Setuid Shell', '--url', url, '--identity', harness.sshd!.shell.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
  shellSnapshot = (await json(['backup', '--repo', repo, '--site', 'Setuid Shell', '--json'])).id;
});
afterAll(async () => {
  if (rootSshd) await stopDaemon(rootSshd.daemon);
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('setuid and setgid bits are stored but never given back', () => {
  it('the snapshot keeps the modes the server listed', async () => {
    const rows: Array<{ path: string; mode: number }> = await json(['ls', '--repo', repo, shellSnapshot, '--recursive', '--json']);
    const stored = Object.fromEntries(rows.map((r) => [r.path, r.mode & 0o7777]));
    for (const [path, mode] of Object.entries(PRIVILEGED)) expect(stored[path]).toBe(mode);
  });

  it('a restore into a folder, run as root, sets no setuid or setgid bit', async () => {
    const target = join(work, 'folder-restore');
    const result = await sv(['restore', '--repo', repo, shellSnapshot, '--target', target]);
    expect(result.code, result.stderr).toBe(0);
    await expectNoPrivilegeBits(target);
  });

  it('a restore to the site over SSH (tar) sets none', async () => {
    await rm(shellDir, { recursive: true, force: true });
    await emptySite(shellDir, harness.sshd!.shell.username);
    const result = await json(['restore', '--repo', repo, shellSnapshot, '--to-site', 'Setuid Shell', '--no-safety-snapshot', '--json']);
    expect(result).toMatchObject({ method: 'tar over SSH', complete: true, failed: [] });
    await expectNoPrivilegeBits(shellDir);
    // The site's own account: no root-login warning.
    expect(result.preview.warnings).toEqual([]);
  });

  it('a restore to an SFTP-only site, of a snapshot taken over SFTP, sets none', async () => {
    const dir = join(harness.sshd!.sftp.chroot, 'public_html', 'setuid-sftp');
    await plantSite(dir, harness.sshd!.sftp.username);
    const url = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}/public_html/setuid-sftp`;
    expect((await sv(['site', 'add', 'Setuid SFTP', '--url', url, '--identity', harness.sshd!.sftp.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const snapshot = (await json(['backup', '--repo', repo, '--site', 'Setuid SFTP', '--json'])).id;
    const rows: Array<{ path: string; mode: number }> = await json(['ls', '--repo', repo, snapshot, '--recursive', '--json']);
    expect(rows.find((r) => r.path === 'bin/suid-tool')!.mode & 0o7777).toBe(0o4755);
    await emptySite(dir, harness.sshd!.sftp.username);
    const result = await json(['restore', '--repo', repo, snapshot, '--to-site', 'Setuid SFTP', '--no-safety-snapshot', '--json']);
    expect(result).toMatchObject({ method: 'SFTP', complete: true, failed: [] });
    await expectNoPrivilegeBits(dir);
  });

  it('a restore to an FTP site sets none (the snapshot taken over SSH holds the bits)', async () => {
    const dir = join(harness.ftpd!.root, 'public_html', 'setuid-ftp');
    await emptySite(dir, FTP_SYSTEM_USER);
    const url = `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/public_html/setuid-ftp`;
    expect((await sv(['site', 'add', 'Setuid FTP', '--url', url, '--password-env', 'FTP_PASSWORD', '--db', 'none'])).code).toBe(0);
    const result = await json(['restore', '--repo', repo, shellSnapshot, '--to-site', 'Setuid FTP', '--no-safety-snapshot', '--json']);
    expect(result).toMatchObject({ method: 'FTP', complete: true, failed: [] });
    await expectNoPrivilegeBits(dir);
  });

  it('a restore over a root login is preceded by a warning, and the root-owned files carry no setuid bit', async () => {
    rootSshd = await startRootSshd(join(work, 'root-sshd'));
    const dir = join(work, 'root-site');
    await mkdir(dir);
    const url = `sftp://root@127.0.0.1:${rootSshd.port}${dir}`;
    expect((await sv(['site', 'add', 'Setuid Root', '--url', url, '--identity', rootSshd.key, '--host-key', rootSshd.fingerprint, '--db', 'none'])).code).toBe(0);

    const preview = await json(['restore', '--repo', repo, shellSnapshot, '--to-site', 'Setuid Root', '--dry-run', '--json']);
    expect(preview.preview.warnings).toEqual([expect.stringMatching(/^Setuid Root is reached as root: the restored files will belong to root/)]);
    const text = await sv(['restore', '--repo', repo, shellSnapshot, '--to-site', 'Setuid Root', '--dry-run']);
    expect(text.stdout).toMatch(/warning: Setuid Root is reached as root/);
    expect(await readdir(dir)).toEqual([]);

    const restored = await sv(['restore', '--repo', repo, shellSnapshot, '--to-site', 'Setuid Root', '--no-safety-snapshot']);
    expect(restored.code, restored.stderr).toBe(0);
    // Said before anything is written (a notice as the restore starts), and again in the report.
    expect(restored.stdout.indexOf('Warning: Setuid Root is reached as root')).toBeGreaterThanOrEqual(0);
    expect(restored.stdout.indexOf('Warning: Setuid Root is reached as root')).toBeLessThan(restored.stdout.indexOf('Done:'));
    expect((await lstat(join(dir, 'bin', 'suid-tool'))).uid).toBe(0);
    await expectNoPrivilegeBits(dir);
  });

  it.each([
    ['site.tar.gz', (archive: string, into: string) => run('tar', ['-x', '-p', '--same-owner', '-z', '-f', archive, '-C', into])],
    // -K: keep setuid/setgid, as a permissive unpacker would.
    ['site.zip', (archive: string, into: string) => run('unzip', ['-q', '-K', archive, '-d', into])],
  ])('a %s download unpacked as root with permissions kept holds no setuid or setgid bit', async (name, unpack) => {
    const archive = join(work, name);
    expect((await sv(['download', '--repo', repo, shellSnapshot, '--out', archive])).code).toBe(0);
    const into = join(work, `unpacked-${name}`);
    await mkdir(into);
    await unpack(archive, into);
    await expectNoPrivilegeBits(into);
  });
});
