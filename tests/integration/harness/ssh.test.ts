import { readFile } from 'node:fs/promises';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHarnessInfo } from '../../harness/harness';
import type { SshdInfo } from '../../harness/sshd';

let sshd: SshdInfo;
beforeAll(async () => {
  const info = await loadHarnessInfo();
  if (!info.sshd) throw new Error('harness started without sshd');
  sshd = info.sshd;
});

function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function connect(config: ConnectConfig): Promise<{ client: Client; seenFingerprint: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seenFingerprint = '';
    client
      .on('ready', () => resolve({ client, seenFingerprint }))
      .on('error', reject)
      .connect({
        host: sshd.host,
        port: sshd.port,
        readyTimeout: 10_000,
        hostVerifier: (key: Buffer) => {
          seenFingerprint = fingerprint(key);
          return seenFingerprint === sshd.hostKeyFingerprint;
        },
        ...config,
      });
  });
}

function exec(client: Client, command: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stdout = '';
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      stream.stderr.on('data', () => {});
      stream.on('close', (code: number) => resolve({ stdout, code }));
    });
  });
}

function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))));
}

function readdir(sftp: SFTPWrapper, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => sftp.readdir(path, (error, list) => (error ? reject(error) : resolve(list.map((entry) => entry.filename).sort()))));
}

describe('harness sshd (real OpenSSH)', () => {
  it('logs the shell user in with a password and runs a command', async () => {
    const { client, seenFingerprint } = await connect({ username: sshd.shell.username, password: sshd.shell.password });
    try {
      expect(seenFingerprint).toBe(sshd.hostKeyFingerprint);
      const result = await exec(client, 'id -un && echo "$SHELL"');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${sshd.shell.username}\n/bin/bash\n`);
    } finally {
      client.end();
    }
  });

  it('logs the shell user in with a key and with an encrypted key plus passphrase', async () => {
    const plain = await connect({ username: sshd.shell.username, privateKey: await readFile(sshd.shell.privateKeyPath) });
    expect((await exec(plain.client, 'echo key-ok')).stdout).toBe('key-ok\n');
    plain.client.end();
    const encrypted = await connect({
      username: sshd.shell.username,
      privateKey: await readFile(sshd.shell.encryptedKeyPath),
      passphrase: sshd.shell.keyPassphrase,
    });
    expect((await exec(encrypted.client, 'echo enc-ok')).stdout).toBe('enc-ok\n');
    encrypted.client.end();
  });

  it('refuses a wrong password', async () => {
    await expect(connect({ username: sshd.shell.username, password: 'wrong-password' })).rejects.toThrow(/All configured authentication methods failed/);
  });

  it('lists the shell user home over SFTP', async () => {
    const { client } = await connect({ username: sshd.shell.username, password: sshd.shell.password });
    try {
      const names = await readdir(await sftpOf(client), sshd.shell.home);
      expect(names).toContain('.ssh');
    } finally {
      client.end();
    }
  });

  it('gives the SFTP-only user its chroot over SFTP and no shell', async () => {
    const { client } = await connect({ username: sshd.sftp.username, privateKey: await readFile(sshd.sftp.privateKeyPath) });
    try {
      expect(await readdir(await sftpOf(client), '/')).toEqual(['backups', 'public_html']);
      const attempt = await exec(client, 'echo shell-should-not-run');
      expect(attempt.stdout).not.toContain('shell-should-not-run');
    } finally {
      client.end();
    }
  });

  it('logs the SFTP-only user in with its password', async () => {
    const { client } = await connect({ username: sshd.sftp.username, password: sshd.sftp.password });
    client.end();
  });
});
