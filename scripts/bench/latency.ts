/**
 * npm run bench:latency: a site 50 ms of round trip away (the fault proxy adds 25 ms each
 * way), where pipelining and parallel connections pay off: SiteVault over SFTP only against
 * OpenSSH's sftp get -R, and over FTP against lftp mirror --parallel=4, both through the same
 * proxy in the same run. The site is 2% of the full bench site (BENCH_SCALE multiplies it).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFaultProxy } from '../../tests/harness/fault-proxy';
import { startHarness, stopHarness } from '../../tests/harness/harness';
import { placeSite } from '../../tests/harness/site-placement';
import { measure, printRows, saveRows, type Row } from './measure';

const scale = 0.02 * Number(process.env['BENCH_SCALE'] ?? 1);
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-latency';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));
const ONE_WAY_MS = 25;

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const harness = await startHarness(['sshd', 'ftpd', 'mariadb']);
  const rows: Row[] = [];
  try {
    const sshd = harness.sshd!;
    const ftpd = harness.ftpd!;
    const sshProxy = await startFaultProxy({ host: '127.0.0.1', port: sshd.port });
    const ftpProxy = await startFaultProxy({ host: '127.0.0.1', port: ftpd.port }, { ftp: true });
    sshProxy.setFaults({ latencyMs: ONE_WAY_MS });
    ftpProxy.setFaults({ latencyMs: ONE_WAY_MS });
    try {
      const sftpSite = await placeSite(harness, 'sftp-only', 'bench-latency', { scale, seed: 'bench' });
      const ftpSite = await placeSite(harness, 'ftp', 'bench-latency', { scale, seed: 'bench' });
      const files = sftpSite.site.files.length;
      const bytes = sftpSite.site.totalBytes;
      console.log(`${files} files, ${(bytes / 1e6).toFixed(0)} MB, ${2 * ONE_WAY_MS} ms round trip`);
      const env = { ...process.env, SITEVAULT_PASSPHRASE: 'bench', SITEVAULT_HOME: join(dir, 'home') };
      const backup = async (label: string, url: string, password: string, extra: string[]) => {
        const repo = join(dir, `repo-${label}`);
        await measure(process.execPath, [cli, 'init', '--repo', repo], env);
        return measure(process.execPath, [cli, 'backup', '--repo', repo, '--source', url, '--db', 'none', '--json', '--site', label, ...extra], { ...env, SITEVAULT_SOURCE_PASSWORD: password });
      };

      const sftpTarget = join(dir, 'sftp-copy');
      await mkdir(sftpTarget, { recursive: true });
      const batch = join(dir, 'sftp-batch');
      await writeFile(batch, `get -R ${sftpSite.remotePath} ${sftpTarget}\n`);
      const opensshSftp = await measure(
        'sshpass',
        [
          '-e',
          'sftp',
          '-oBatchMode=no',
          '-P',
          String(sshProxy.port),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'PubkeyAuthentication=no',
          '-b',
          batch,
          `${sshd.sftp.username}@127.0.0.1`,
        ],
        { ...process.env, SSHPASS: sshd.sftp.password },
      );
      const ours = await backup('sftp', `sftp://${sshd.sftp.username}@127.0.0.1:${sshProxy.port}${sftpSite.remotePath}`, sshd.sftp.password, ['--source-host-key', sshd.hostKeyFingerprint]);
      rows.push({ scenario: `SFTP-only, ${2 * ONE_WAY_MS} ms RTT: full backup`, ours, theirs: opensshSftp, baseline: 'OpenSSH sftp get -R', bytes, files });

      const lftp = await measure(
        'lftp',
        ['-c', `set ftp:ssl-allow false; open --env-password -u ${ftpd.username} -p ${ftpProxy.port} 127.0.0.1; mirror --parallel=4 ${ftpSite.remotePath} ${join(dir, 'lftp-copy')}`],
        {
          ...process.env,
          LFTP_PASSWORD: ftpd.password,
          HOME: dir,
        },
      );
      const ftpOurs = await backup('ftp', `ftp://${ftpd.username}@127.0.0.1:${ftpProxy.port}${ftpSite.remotePath}`, ftpd.password, []);
      rows.push({ scenario: `FTP, ${2 * ONE_WAY_MS} ms RTT: full backup`, ours: ftpOurs, theirs: lftp, baseline: 'lftp mirror --parallel=4', bytes, files });
    } finally {
      await sshProxy.close();
      await ftpProxy.close();
    }
  } finally {
    await stopHarness(harness);
  }
  printRows(rows);
  await saveRows(dir, 'latency', rows);
}

await main();
