/**
 * npm run bench:restore: restoring the ~25,000-file, ~1.4 GB WordPress-like site, against
 * the usual tools in the same run: a full restore to an emptied site over SSH and a 1%
 * difference restore against `rsync -a` pushing the same tree; a restore to a local folder
 * against `restic restore`; a .tar.gz download against `tar czf` of the same tree.
 * BENCH_SCALE (default 1). Needs root (the harness creates users), restic and rsync.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, stopHarness } from '../../tests/harness/harness';
import { placeSite, type PlacedSite } from '../../tests/harness/site-placement';
import { run } from '../../tests/harness/system';
import { userIds } from '../../tests/harness/users';
import { editOnePercent, mb, measure, printRows, saveRows, type Row } from './measure';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-restore';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));

async function emptySite(placed: PlacedSite): Promise<void> {
  await run('sh', ['-c', `find '${placed.diskPath}' -mindepth 1 -delete`]);
}

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const harness = await startHarness(['sshd', 'mariadb', 'keyring']);
  const rows: Row[] = [];
  try {
    const sshd = harness.sshd!;
    console.log(`Placing the site (scale ${scale}) …`);
    const placed = await placeSite(harness, 'ssh-shell', 'bench-restore', { scale, seed: 'bench' });
    const owner = await userIds(sshd.shell.username);
    const chown = () => run('chown', ['-R', `${owner.uid}:${owner.gid}`, placed.diskPath]);
    const files = placed.site.files.length;
    const bytes = placed.site.totalBytes;
    console.log(`${files} files, ${mb(bytes).toFixed(0)} MB`);

    const repo = join(dir, 'repo');
    const env = { ...process.env, ...harness.env, SITEVAULT_PASSPHRASE: 'bench', SITEVAULT_HOME: join(dir, 'home'), SHELL_PASSWORD: sshd.shell.password };
    const sv = (...args: string[]) => measure(process.execPath, [cli, ...args], env);
    await sv('init', '--repo', repo);
    const url = `sftp://${sshd.shell.username}@127.0.0.1:${sshd.port}${placed.remotePath}`;
    await sv('site', 'add', 'bench', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', sshd.hostKeyFingerprint, '--db', 'none', '--no-wordpress-excludes');
    const snapshot = JSON.parse((await sv('backup', '--repo', repo, '--site', 'bench', '--json')).stdout).id as string;

    // The same tree on this machine, for rsync to push and tar and restic to read.
    const localTree = join(dir, 'local-tree');
    await sv('restore', '--repo', repo, snapshot, '--target', localTree);

    const ssh = `ssh -p ${sshd.port} -o UserKnownHostsFile=${sshd.knownHostsFile} -o StrictHostKeyChecking=yes -o PubkeyAuthentication=no`;
    const rsyncPush = () =>
      measure('sshpass', ['-e', 'rsync', '-a', '--delete', '-e', ssh, `${localTree}/`, `${sshd.shell.username}@127.0.0.1:${placed.remotePath}/`], { ...process.env, SSHPASS: sshd.shell.password });
    const restoreToSite = (...extra: string[]) => sv('restore', '--repo', repo, snapshot, '--to-site', 'bench', '--delete', '--json', ...extra);

    await emptySite(placed);
    const fullOurs = await restoreToSite('--no-safety-snapshot');
    await emptySite(placed);
    const fullRsync = await rsyncPush();
    rows.push({ scenario: 'SSH: full restore to an emptied site', ours: fullOurs, theirs: fullRsync, baseline: 'rsync -a (push)', bytes, files });
    await emptySite(placed);
    rows.push({ scenario: 'SSH: the same, with the safety snapshot', ours: await restoreToSite(), theirs: fullRsync, baseline: 'rsync -a (push)', bytes, files });

    // The nightly backup a real site would have (untimed): the safety snapshot below builds on it.
    await sv('backup', '--repo', repo, '--site', 'bench');
    await editOnePercent(placed, 1);
    await chown();
    const diffOurs = await restoreToSite('--no-safety-snapshot');
    await editOnePercent(placed, 2);
    await chown();
    const diffRsync = await rsyncPush();
    rows.push({ scenario: 'SSH: restore of a 1% difference', ours: diffOurs, theirs: diffRsync, baseline: 'rsync -a --delete (push)', bytes, files });
    await editOnePercent(placed, 3);
    await chown();
    rows.push({ scenario: 'SSH: the same, with the safety snapshot', ours: await restoreToSite(), theirs: diffRsync, baseline: 'rsync -a --delete (push)', bytes, files });

    // A local folder, against restic restore from a restic repository of the same tree.
    const resticRepo = join(dir, 'restic-repo');
    const resticEnv = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_REPOSITORY: resticRepo };
    await measure('restic', ['init'], resticEnv);
    await measure('restic', ['backup', '--quiet', localTree], resticEnv);
    const resticTarget = join(dir, 'restic-target');
    const oursTarget = join(dir, 'sitevault-target');
    rows.push({
      scenario: 'restore to a local folder',
      ours: await sv('restore', '--repo', repo, snapshot, '--target', oursTarget),
      theirs: await measure('restic', ['restore', 'latest', '--target', resticTarget], resticEnv),
      baseline: 'restic restore',
      bytes,
      files,
    });

    const tarCzf = await measure('tar', ['czf', join(dir, 'baseline.tar.gz'), '-C', localTree, '.']);
    for (const format of ['tar.gz', 'zip']) {
      const ours = await sv('download', '--repo', repo, snapshot, '--out', join(dir, `site.${format}`));
      rows.push({ scenario: `download as .${format}`, ours, theirs: tarCzf, baseline: 'tar czf (gzip -6)', bytes, files });
    }
  } finally {
    await stopHarness(harness);
  }

  printRows(rows);
  await saveRows(dir, 'restore', rows);
}

await main();
