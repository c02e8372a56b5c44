import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const sshUtils = ssh2.utils;
import { canConnect, freePort } from './ports';
import { startDaemon, waitFor, type Daemon } from './processes';
import { run } from './system';
import { ensureUser, testPassword } from './users';

import { HARNESS_SUFFIX } from './instance';

export const SHELL_USER = `svshell${HARNESS_SUFFIX}`;
export const SFTP_USER = `svsftp${HARNESS_SUFFIX}`;
/** sshd demands a chroot path whose every part is root-owned and not writable by others: not /tmp. */
const HARNESS_ROOT = `/srv/sitevault-harness${HARNESS_SUFFIX}`;
export const SFTP_CHROOT = `${HARNESS_ROOT}/sftp`;
const SFTP_KEYS_DIR = `${HARNESS_ROOT}/authorized-keys`;

export interface SshAccount {
  username: string;
  password: string;
  /** OpenSSH-format ed25519 key without a passphrase. */
  privateKeyPath: string;
  /** The same kind of key, encrypted with `keyPassphrase`. */
  encryptedKeyPath: string;
  keyPassphrase: string;
}

export interface SshdInfo {
  host: string;
  port: number;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** A known_hosts file for OpenSSH clients (baselines in benchmarks). */
  knownHostsFile: string;
  /** A user with a login shell (bash): can run find, tar, mysqldump. Home: `shellHome`. */
  shell: SshAccount & { home: string };
  /** SFTP only (`ForceCommand internal-sftp`), chrooted like cheap shared hosting. */
  sftp: SshAccount & { chroot: string };
  daemon: Daemon;
}

export function fingerprintOfPublicKey(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** An ed25519 key pair ssh2 can read back: about 1 in 200 of those it generates it cannot ("Malformed OpenSSH private key"). */
function readableKeyPair(options: { comment: string; passphrase?: string; cipher?: string; rounds?: number }): { private: string; public: string } {
  for (let attempt = 0; ; attempt++) {
    const pair = sshUtils.generateKeyPairSync('ed25519', options as Parameters<typeof sshUtils.generateKeyPairSync>[1]);
    if (!(sshUtils.parseKey(pair.private, options.passphrase) instanceof Error) || attempt >= 20) return pair;
  }
}

async function writeClientKeys(dir: string, name: string) {
  const plain = readableKeyPair({ comment: `${name}-plain` });
  const keyPassphrase = testPassword('keypass');
  const encrypted = readableKeyPair({
    comment: `${name}-encrypted`,
    passphrase: keyPassphrase,
    cipher: 'aes256-ctr',
    rounds: 16,
  });
  const privateKeyPath = join(dir, `${name}_ed25519`);
  const encryptedKeyPath = join(dir, `${name}_ed25519_encrypted`);
  await writeFile(privateKeyPath, plain.private, { mode: 0o600 });
  await writeFile(encryptedKeyPath, encrypted.private, { mode: 0o600 });
  return { privateKeyPath, encryptedKeyPath, keyPassphrase, authorizedKeys: `${plain.public}\n${encrypted.public}\n` };
}

async function installAuthorizedKeys(sshDir: string, keys: string, uid: number, gid: number): Promise<void> {
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  await chown(sshDir, uid, gid);
  await chmod(sshDir, 0o700);
  const file = join(sshDir, 'authorized_keys');
  await writeFile(file, keys, { mode: 0o600 });
  await chown(file, uid, gid);
}

export async function startSshd(stateDir: string): Promise<SshdInfo> {
  const dir = join(stateDir, 'ssh');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sitevault-harness', '-f', hostKey]);
  const hostPub = await readFile(`${hostKey}.pub`, 'utf8');

  const shellHome = `/home/${SHELL_USER}`;
  const shellPassword = testPassword('shell');
  const shellIds = await ensureUser(SHELL_USER, { home: shellHome, shell: '/bin/bash', createHome: true, password: shellPassword });
  await mkdir(shellHome, { recursive: true });
  await chown(shellHome, shellIds.uid, shellIds.gid);
  await chmod(shellHome, 0o755);
  const shellKeys = await writeClientKeys(dir, SHELL_USER);
  await installAuthorizedKeys(join(shellHome, '.ssh'), shellKeys.authorizedKeys, shellIds.uid, shellIds.gid);

  // The chroot itself must be root-owned; the user writes only inside its folders.
  for (const part of ['/srv', HARNESS_ROOT, SFTP_CHROOT]) {
    await mkdir(part, { recursive: true });
    await chown(part, 0, 0);
    await chmod(part, 0o755);
  }
  const sftpPassword = testPassword('sftp');
  const sftpIds = await ensureUser(SFTP_USER, { home: '/', shell: '/usr/sbin/nologin', createHome: false, password: sftpPassword });
  for (const folder of ['public_html', 'backups']) {
    await mkdir(join(SFTP_CHROOT, folder), { recursive: true });
    await chown(join(SFTP_CHROOT, folder), sftpIds.uid, sftpIds.gid);
  }
  const sftpKeys = await writeClientKeys(dir, SFTP_USER);
  // Read before the chroot, from a path StrictModes accepts (no world-writable /tmp in it).
  const sftpKeyDir = join(SFTP_KEYS_DIR, SFTP_USER);
  await mkdir(SFTP_KEYS_DIR, { recursive: true, mode: 0o755 });
  await installAuthorizedKeys(sftpKeyDir, sftpKeys.authorizedKeys, sftpIds.uid, sftpIds.gid);

  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${SHELL_USER} ${SFTP_USER}`,
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      'MaxSessions 64',
      'MaxStartups 200:30:400',
      'MaxAuthTries 10',
      'Subsystem sftp internal-sftp',
      `Match User ${SHELL_USER}`,
      '  AuthorizedKeysFile .ssh/authorized_keys',
      `Match User ${SFTP_USER}`,
      `  AuthorizedKeysFile ${join(sftpKeyDir, 'authorized_keys')}`,
      `  ChrootDirectory ${SFTP_CHROOT}`,
      '  ForceCommand internal-sftp',
      '  AllowTcpForwarding no',
      '',
    ].join('\n'),
  );
  await run('/usr/sbin/sshd', ['-t', '-f', config]);
  const logFile = join(dir, 'sshd.log');
  const daemon = startDaemon('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', config], logFile);
  await waitFor(`sshd on 127.0.0.1:${port}`, () => canConnect(port), 15_000, logFile);

  const knownHostsFile = join(dir, 'known_hosts');
  await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostPub.trim().split(/\s+/).slice(0, 2).join(' ')}\n`);

  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: fingerprintOfPublicKey(hostPub),
    knownHostsFile,
    shell: {
      username: SHELL_USER,
      password: shellPassword,
      home: shellHome,
      privateKeyPath: shellKeys.privateKeyPath,
      encryptedKeyPath: shellKeys.encryptedKeyPath,
      keyPassphrase: shellKeys.keyPassphrase,
    },
    sftp: {
      username: SFTP_USER,
      password: sftpPassword,
      chroot: SFTP_CHROOT,
      privateKeyPath: sftpKeys.privateKeyPath,
      encryptedKeyPath: sftpKeys.encryptedKeyPath,
      keyPassphrase: sftpKeys.keyPassphrase,
    },
    daemon,
  };
}
