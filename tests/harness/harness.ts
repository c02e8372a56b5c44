import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpd, type FtpdInfo } from './ftpd';
import { startKeyring, type KeyringInfo } from './keyring';
import { startMariadb, type MariadbInfo } from './mariadb';
import { stopPid } from './processes';
import { AIOSMTPD_MODULE, startSmtpd, SYSTEM_PYTHON, type SmtpdInfo } from './smtpd';
import { startS3d, SWIFT_PROGRAMS, type S3dInfo } from './s3d';
import { startSshd, type SshdInfo } from './sshd';
import { requirePrograms, requireRoot } from './system';

export type ServiceName = 'sshd' | 'ftpd' | 'mariadb' | 'keyring' | 'smtpd' | 's3d';
export const ALL_SERVICES: readonly ServiceName[] = ['sshd', 'ftpd', 'mariadb', 'keyring', 'smtpd', 's3d'];

const PROGRAMS: Readonly<Record<ServiceName, readonly string[]>> = {
  sshd: ['/usr/sbin/sshd', 'ssh-keygen', 'useradd', 'chpasswd'],
  ftpd: ['/usr/sbin/pure-ftpd', 'pure-pw', 'openssl', 'useradd'],
  mariadb: ['/usr/sbin/mariadbd', 'mariadb-install-db', 'mariadb', 'mysqldump', 'php'],
  keyring: ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'],
  smtpd: [SYSTEM_PYTHON, AIOSMTPD_MODULE, 'openssl'],
  s3d: [...SWIFT_PROGRAMS, 'openssl'],
};

/** Everything a test needs to reach the harness's servers. Written to `harness.json`. */
export interface HarnessInfo {
  stateDir: string;
  sshd?: SshdInfo;
  ftpd?: FtpdInfo;
  mariadb?: MariadbInfo;
  keyring?: KeyringInfo;
  smtpd?: SmtpdInfo;
  s3d?: S3dInfo;
  /** Environment for processes that use the keychain (the CLI, the headless server). */
  env: Record<string, string>;
}

export const HARNESS_INFO_ENV = 'SITEVAULT_HARNESS_INFO';

/**
 * Starts the requested real servers on 127.0.0.1 with free ports, in a fresh state folder.
 * If any fails, the ones already started are stopped and the error says why.
 */
export async function startHarness(services: readonly ServiceName[] = ALL_SERVICES): Promise<HarnessInfo> {
  requireRoot();
  requirePrograms([...new Set(services.flatMap((service) => PROGRAMS[service]))]);
  const stateDir = await mkdtemp(join(tmpdir(), 'sitevault-harness-'));
  // The mysql and FTP system users must be able to enter it.
  await chmod(stateDir, 0o755);
  const info: HarnessInfo = { stateDir, env: {} };
  try {
    const started = await Promise.all([
      services.includes('sshd') ? startSshd(stateDir) : undefined,
      services.includes('ftpd') ? startFtpd(stateDir) : undefined,
      services.includes('mariadb') ? startMariadb(stateDir) : undefined,
      services.includes('keyring') ? startKeyring(stateDir) : undefined,
      services.includes('smtpd') ? startSmtpd(stateDir) : undefined,
      services.includes('s3d') ? startS3d(stateDir) : undefined,
    ]);
    [info.sshd, info.ftpd, info.mariadb, info.keyring, info.smtpd, info.s3d] = started;
    if (info.keyring) info.env['DBUS_SESSION_BUS_ADDRESS'] = info.keyring.dbusAddress;
  } catch (error) {
    await stopHarness(info);
    throw error;
  }
  await writeFile(join(stateDir, 'harness.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
  return info;
}

export async function stopHarness(info: HarnessInfo, options: { keepState?: boolean } = {}): Promise<void> {
  const pids = [
    info.sshd?.daemon.pid,
    info.ftpd?.daemon.pid,
    info.mariadb?.daemon.pid,
    info.smtpd?.daemon.pid,
    ...(info.keyring?.daemons.map((daemon) => daemon.pid) ?? []),
    ...(info.s3d?.daemons.map((daemon) => daemon.pid) ?? []),
  ].filter((pid): pid is number => pid !== undefined);
  await Promise.all(pids.map((pid) => stopPid(pid)));
  if (!options.keepState) await rm(info.stateDir, { recursive: true, force: true });
}

/** In a test worker: the harness that the global setup started. */
export async function loadHarnessInfo(): Promise<HarnessInfo> {
  const file = process.env[HARNESS_INFO_ENV];
  if (!file) throw new Error(`${HARNESS_INFO_ENV} is not set: run integration tests through \`npm test\` (the harness starts the servers).`);
  return JSON.parse(await readFile(file, 'utf8')) as HarnessInfo;
}

/** The test accounts' passwords under the variable names the CLI tests pass to `--password-env`. */
export function accountPasswordEnv(info: HarnessInfo): NodeJS.ProcessEnv {
  return { SHELL_PASSWORD: info.sshd!.shell.password, SFTP_PASSWORD: info.sshd!.sftp.password, FTP_PASSWORD: info.ftpd!.password };
}
