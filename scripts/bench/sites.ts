/**
 * npm run bench:sites: backing up a ~25,000-file, ~1.4 GB WordPress-like site (plus its
 * database) from the harness's real servers, against the usual tools on the same servers in
 * the same run: rsync over SSH, OpenSSH sftp for SFTP-only, lftp mirror --parallel=4 for
 * FTP and FTPS. BENCH_SCALE (default 1). Needs root (the harness creates users).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, stopHarness } from '../../tests/harness/harness';
import { placeSite } from '../../tests/harness/site-placement';
import { editOnePercent, mb, measure, printRows, saveRows, type Row } from './measure';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-sites';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const harness = await startHarness(['sshd', 'ftpd', 'mariadb']);
  const rows: Row[] = [];
  try {
    const sshd = harness.sshd!;
    const ftpd = harness.ftpd!;
    console.log(`Placing the site (scale ${scale}) on the SSH, SFTP-only and FTP accounts …`);
    const shellSite = await placeSite(harness, 'ssh-shell', 'bench', { scale, seed: 'bench' });
    const chrootSite = await placeSite(harness, 'sftp-only', 'bench', { scale, seed: 'bench' });
    const ftpSite = await placeSite(harness, 'ftp', 'bench', { scale, seed: 'bench' });
    const files = shellSite.site.files.length;
    const bytes = shellSite.site.totalBytes;
    console.log(`${files} files, ${mb(bytes).toFixed(0)} MB`);

    const repo = join(dir, 'repo');
    const env = { ...process.env, SITEVAULT_PASSPHRASE: 'bench', SITEVAULT_HOME: join(dir, 'home') };
    await measure(process.execPath, [cli, 'init', '--repo', repo], env);
    const sitevault = (url: string, password: string, extra: string[] = []) =>
      measure(process.execPath, [cli, 'backup', '--repo', repo, '--source', url, '--db', 'none', '--json', ...extra], { ...env, SITEVAULT_SOURCE_PASSWORD: password });

    // SSH with a shell, against rsync -a.
    const ssh = `ssh -p ${sshd.port} -o UserKnownHostsFile=${sshd.knownHostsFile} -o StrictHostKeyChecking=yes -o PubkeyAuthentication=no`;
    const rsyncTarget = join(dir, 'rsync-copy');
    const rsync = () => measure('sshpass', ['-e', 'rsync', '-a', '-e', ssh, `${sshd.shell.username}@127.0.0.1:${shellSite.remotePath}/`, `${rsyncTarget}/`], { ...process.env, SSHPASS: sshd.shell.password });
    const shellUrl = `sftp://${sshd.shell.username}@127.0.0.1:${sshd.port}${shellSite.remotePath}`;
    const shellRun = () => sitevault(shellUrl, sshd.shell.password, ['--source-host-key', sshd.hostKeyFingerprint, '--site', 'ssh']);
    rows.push({ scenario: 'SSH: full backup', ours: await shellRun(), theirs: await rsync(), baseline: 'rsync -a', bytes, files });
    rows.push({ scenario: 'SSH: no-change backup', ours: await shellRun(), theirs: await rsync(), baseline: 'rsync -a', bytes, files });
    await editOnePercent(shellSite, 0);
    rows.push({ scenario: 'SSH: after a 1% change', ours: await shellRun(), theirs: await rsync(), baseline: 'rsync -a', bytes, files });

    // SFTP only (chrooted), against OpenSSH's sftp get -R.
    const sftpTarget = join(dir, 'sftp-copy');
    await mkdir(sftpTarget, { recursive: true });
    const batch = join(dir, 'sftp-batch');
    await writeFile(batch, `get -R ${chrootSite.remotePath} ${sftpTarget}\n`);
    const opensshSftp = () =>
      measure(
        'sshpass',
        ['-e', 'sftp', '-oBatchMode=no', '-P', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`, '-o', 'PubkeyAuthentication=no', '-b', batch, `${sshd.sftp.username}@127.0.0.1`],
        { ...process.env, SSHPASS: sshd.sftp.password },
      );
    const chrootUrl = `sftp://${sshd.sftp.username}@127.0.0.1:${sshd.port}${chrootSite.remotePath}`;
    const chrootRun = () => sitevault(chrootUrl, sshd.sftp.password, ['--source-host-key', sshd.hostKeyFingerprint, '--site', 'sftp']);
    rows.push({ scenario: 'SFTP-only: full backup', ours: await chrootRun(), theirs: await opensshSftp(), baseline: 'OpenSSH sftp get -R', bytes, files });
    rows.push({ scenario: 'SFTP-only: no-change backup', ours: await chrootRun(), theirs: await opensshSftp(), baseline: 'OpenSSH sftp get -R (copies again)', bytes, files });

    // FTP and FTPS, against lftp mirror --parallel=4.
    for (const secure of [false, true]) {
      const label = secure ? 'FTPS' : 'FTP';
      const lftpTarget = join(dir, `lftp-${label}`);
      const settings = secure ? `set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file ${ftpd.caFile};` : 'set ftp:ssl-allow false;';
      const lftp = () =>
        measure('lftp', ['-c', `${settings} open --env-password -u ${ftpd.username} -p ${ftpd.port} 127.0.0.1; mirror --parallel=4 ${ftpSite.remotePath} ${lftpTarget}`], {
          ...process.env,
          LFTP_PASSWORD: ftpd.password,
          HOME: dir,
        });
      const url = `${secure ? 'ftps' : 'ftp'}://${ftpd.username}@127.0.0.1:${ftpd.port}${ftpSite.remotePath}`;
      const ours = () => sitevault(url, ftpd.password, [...(secure ? ['--source-ca', ftpd.caFile] : []), '--site', label]);
      rows.push({ scenario: `${label}: full backup`, ours: await ours(), theirs: await lftp(), baseline: 'lftp mirror --parallel=4', bytes, files });
      rows.push({ scenario: `${label}: no-change backup`, ours: await ours(), theirs: await lftp(), baseline: 'lftp mirror --parallel=4', bytes, files });
    }
  } finally {
    await stopHarness(harness);
  }

  printRows(rows);
  await saveRows(dir, 'sites', rows);
}

await main();
