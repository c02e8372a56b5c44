import { appendFile, chmod, cp, mkdir, mkdtemp, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { FTP_SYSTEM_USER } from '../../harness/ftpd';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

let harness: HarnessInfo;
let home: string;
let work: string;
let repo: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'transfer repo passphrase', FTP_PASSWORD: harness.ftpd!.password, ...extra });
const sv = (args: string[], extra?: NodeJS.ProcessEnv) => runCli(args, env(extra));
const json = async (args: string[], extra?: NodeJS.ProcessEnv) => {
  const result = await sv(args, extra);
  if (result.code !== 0 && !result.stdout.startsWith('{')) throw new Error(`sitevault ${args.join(' ')} (${result.code}): ${result.stderr}\n${result.stdout}`);
  return { ...JSON.parse(result.stdout), exitCode: result.code, stderr: result.stderr };
};
const withoutExcluded = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([path]) => !/^wp-content\/(cache|updraft)(\/|$)/.test(path)));

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-transfer-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-transfer-work-'));
  repo = join(work, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const hosts = [
  { label: 'SFTP only (chrooted)', host: 'sftp-only' as const, symlinks: true },
  { label: 'FTP', host: 'ftp' as const, symlinks: false },
  { label: 'FTPS', host: 'ftp' as const, symlinks: false },
];

describe.each(hosts)('restore to a site over $label', ({ label, host, symlinks }) => {
  let placed: PlacedSite;
  let owner: string;
  const name = `${label} Restore`;

  beforeAll(async () => {
    placed = await placeSite(harness, host, `xfer-${label.replace(/\W+/g, '-').toLowerCase()}`);
    owner = host === 'ftp' ? FTP_SYSTEM_USER : harness.sshd!.sftp.username;
    await writeFile(join(placed.diskPath, 'private.php'), '<?php // private');
    await chmod(join(placed.diskPath, 'private.php'), 0o600);
    if (symlinks) await symlink('wp-config.php', join(placed.diskPath, 'config-link'));
    await run('sh', ['-c', `head -c ${20 * 1024 * 1024} /dev/urandom > '${join(placed.diskPath, 'wp-content', 'uploads', 'large.mp4')}'`]);
    await chownAll();
    const flags =
      host === 'sftp-only'
        ? ['--url', `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`, '--identity', harness.sshd!.sftp.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint]
        : [
            '--url',
            `${label === 'FTPS' ? 'ftps' : 'ftp'}://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${placed.remotePath}`,
            '--password-env',
            'FTP_PASSWORD',
            ...(label === 'FTPS' ? ['--ca', harness.ftpd!.caFile] : []),
          ];
    expect((await sv(['site', 'add', name, ...flags, '--db', 'none', '--max-connections', '4'])).code).toBe(0);
  });

  async function chownAll(): Promise<void> {
    const ids = await userIds(owner);
    await run('chown', ['-R', '-h', `${ids.uid}:${ids.gid}`, placed.diskPath]);
  }

  it('after damage, a files restore with --delete makes it identical: contents, modes, mtimes', async () => {
    const backup = await json(['backup', '--repo', repo, '--site', name, '--json']);
    const original = withoutExcluded(await describeTree(placed.diskPath));

    await appendFile(join(placed.diskPath, 'index.php'), '\n// injected');
    await unlink(join(placed.diskPath, 'wp-content', 'uploads', 'large.mp4'));
    await writeFile(join(placed.diskPath, 'wp-content', 'uploads', 'shell.php'), 'evil');
    await mkdir(join(placed.diskPath, 'wp-content', 'evil', 'deeper'), { recursive: true });
    await writeFile(join(placed.diskPath, 'wp-content', 'evil', 'deeper', 'x.php'), 'x');
    await chmod(join(placed.diskPath, 'private.php'), 0o644);
    await chownAll();

    const preview = await json(['restore', '--repo', repo, backup.id, '--to-site', name, '--delete', '--dry-run', '--json']);
    expect(preview.preview.extra).toEqual(expect.arrayContaining(['wp-content/uploads/shell.php', 'wp-content/evil']));
    expect(preview.preview.upload.map((u: { path: string }) => u.path)).toEqual(expect.arrayContaining(['index.php', 'wp-content/uploads/large.mp4']));

    const result = await json(['restore', '--repo', repo, backup.id, '--to-site', name, '--delete', '--json']);
    expect(result.method).toBe(host === 'ftp' ? 'FTP' : 'SFTP');
    expect(result.failed).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.safety_snapshot).toMatch(/^[0-9a-f]{64}$/);
    expect(withoutExcluded(await describeTree(placed.diskPath))).toEqual(original);
    // No partial upload is left behind.
    expect(Object.keys(await describeTree(placed.diskPath)).filter((p) => p.includes('.sitevault-part-'))).toEqual([]);

    const again = await json(['restore', '--repo', repo, backup.id, '--to-site', name, '--delete', '--dry-run', '--json']);
    expect(again.preview.upload).toEqual([]);
    expect(again.preview.extra).toEqual([]);
  });
});

describe('FTP cannot create symlinks', () => {
  it('pure-ftpd shows no link target: the backup names the link in a warning; the restore writes everything else', async () => {
    const placed = await placeSite(harness, 'ftp', 'xfer-ftp-links');
    await symlink('index.php', join(placed.diskPath, 'link.php'));
    const ids = await userIds(FTP_SYSTEM_USER);
    await run('chown', ['-R', '-h', `${ids.uid}:${ids.gid}`, placed.diskPath]);
    await sv(['site', 'add', 'FTP Links', '--url', `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${placed.remotePath}`, '--password-env', 'FTP_PASSWORD', '--db', 'none']);
    const backup = await json(['backup', '--repo', repo, '--site', 'FTP Links', '--json']);
    await rm(join(placed.diskPath, 'link.php'));
    await rm(join(placed.diskPath, 'index.php'));
    expect(backup.warnings).toEqual([{ path: 'link.php', message: expect.stringMatching(/symbolic link whose target this FTP server does not show/) }]);
    const result = await json(['restore', '--repo', repo, backup.id, '--to-site', 'FTP Links', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.failed).toEqual([]);
    expect(result.written.files).toBe(1);
    expect((await stat(join(placed.diskPath, 'index.php'))).size).toBeGreaterThan(0);

    // A snapshot that holds a link (taken from a local copy, as from SSH) says per link that FTP cannot create it.
    const local = join(work, 'ftp-links-local');
    await cp(placed.diskPath, local, { recursive: true });
    await symlink('index.php', join(local, 'link.php'));
    const withLink = await json(['backup', '--repo', repo, '--source', local, '--site', 'FTP Links', '--json']);
    const linked = await json(['restore', '--repo', repo, withLink.id, '--to-site', 'FTP Links', '--json']);
    expect(linked.exitCode).toBe(1);
    expect(linked.complete).toBe(false);
    expect(linked.failed).toEqual([{ path: 'link.php', message: expect.stringMatching(/FTP cannot create symlinks/) }]);
    expect(linked.not_written).toEqual(['link.php']);
  });
});
