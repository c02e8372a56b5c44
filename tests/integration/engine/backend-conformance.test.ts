import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src-main/core/backends/backend';
import { DEFAULT_CONNECTION } from '../../../src-main/core/backends/connection';
import { activeDataConnectionsAccepted } from '../../../src-main/core/backends/ftp-active-mode';
import { parseStorageLocation } from '../../../src-main/core/backends/location';
import { openBackend } from '../../../src-main/core/backends/open-backend';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { backendConformance } from '../../helpers/backend-conformance';

let harness: HarnessInfo;
let localRoot: string;
beforeAll(async () => {
  harness = await loadHarnessInfo();
  localRoot = await mkdtemp(join(tmpdir(), 'sv-conformance-'));
});
afterAll(async () => {
  await rm(localRoot, { recursive: true, force: true });
});

const unique = () => randomBytes(4).toString('hex');
const hex = () => randomBytes(32).toString('hex');

type Factory = () => Backend;
const backends: Array<[string, Factory]> = [
  ['local folder', () => openBackend({ kind: 'local', path: join(localRoot, unique()) }, {})],
  [
    'SFTP (shell user, password)',
    () => {
      const s = harness.sshd!;
      return openBackend({ kind: 'sftp', host: s.host, port: s.port, username: s.shell.username, path: `${s.shell.home}/repo-${unique()}` }, { password: s.shell.password, hostKey: s.hostKeyFingerprint });
    },
  ],
  [
    'SFTP (chrooted SFTP-only user, key)',
    () => {
      const s = harness.sshd!;
      return openBackend({ kind: 'sftp', host: s.host, port: s.port, username: s.sftp.username, path: `/backups/repo-${unique()}` }, { identityFile: s.sftp.privateKeyPath, hostKey: s.hostKeyFingerprint });
    },
  ],
  [
    'FTP',
    () => {
      const f = harness.ftpd!;
      return openBackend({ kind: 'ftp', host: f.host, port: f.port, username: f.username, path: `/backups/repo-${unique()}` }, { password: f.password }, { ...DEFAULT_CONNECTION, maxConnections: 3 });
    },
  ],
  [
    'FTPS (explicit TLS, CA file)',
    () => {
      const f = harness.ftpd!;
      return openBackend({ kind: 'ftps', host: f.host, port: f.port, username: f.username, path: `/backups/repo-${unique()}` }, { password: f.password, caFile: f.caFile });
    },
  ],
  [
    'S3 (Swift s3api, path-style, https with a CA file)',
    () => {
      const s = harness.s3d!;
      const location = parseStorageLocation(`s3://${s.bucket}/repos/repo-${unique()}`, { endpoint: s.endpoint, region: s.region, pathStyle: true, accessKeyId: s.accessKeyId });
      return openBackend(location, { password: s.secretAccessKey, caFile: s.caFile });
    },
  ],
];

describe.each(backends)('backend conformance: %s', (_label, make) => backendConformance(make));

describe('connection errors are specific', () => {
  const sftpTo = (secrets: Parameters<typeof openBackend>[1]) => {
    const s = harness.sshd!;
    return openBackend({ kind: 'sftp', host: s.host, port: s.port, username: s.shell.username, path: `${s.shell.home}/x` }, secrets, { ...DEFAULT_CONNECTION, maxRetries: 1 });
  };
  const expectCode = async (backend: Backend, code: string, message?: RegExp) => {
    const error = await backend.list('snapshots').catch((e: unknown) => e);
    await backend.close();
    expect(error).toMatchObject({ code });
    if (message) expect((error as Error).message).toMatch(message);
    return error as Error;
  };

  it('SFTP: an unknown host key is refused and its fingerprint shown', async () => {
    const error = await expectCode(sftpTo({ password: harness.sshd!.shell.password }), 'HOST_KEY_UNKNOWN');
    expect(error.message).toContain(harness.sshd!.hostKeyFingerprint);
  });

  it('SFTP: a changed host key is refused', async () => {
    await expectCode(sftpTo({ password: harness.sshd!.shell.password, hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'HOST_KEY_CHANGED', /CHANGED/);
  });

  it('SFTP: accepting a new host key works once confirmed', async () => {
    const backend = sftpTo({ password: harness.sshd!.shell.password, acceptNewHostKey: true });
    expect(await backend.list('snapshots')).toEqual([]);
    await backend.close();
  });

  it('SFTP: a wrong password says so, without the password', async () => {
    const error = await expectCode(sftpTo({ password: 'not-the-password', hostKey: harness.sshd!.hostKeyFingerprint }), 'AUTH_FAILED', /refused the login/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('SFTP: an encrypted key needs its passphrase', async () => {
    const s = harness.sshd!;
    await expectCode(sftpTo({ identityFile: s.shell.encryptedKeyPath, hostKey: s.hostKeyFingerprint }), 'AUTH_FAILED', /passphrase/);
    const ok = sftpTo({ identityFile: s.shell.encryptedKeyPath, keyPassphrase: s.shell.keyPassphrase, hostKey: s.hostKeyFingerprint });
    expect(await ok.list('snapshots')).toEqual([]);
    await ok.close();
  });

  it('SFTP: an unreachable port is a connection failure', async () => {
    const backend = openBackend({ kind: 'sftp', host: '127.0.0.1', port: 1, username: 'x', path: '/x' }, { password: 'x' }, { ...DEFAULT_CONNECTION, maxRetries: 1 });
    await expectCode(backend, 'CONNECTION_FAILED', /^Nothing answers on port 1 of 127\.0\.0\.1\.$/);
  });

  const ftps = (secrets: Parameters<typeof openBackend>[1]) => {
    const f = harness.ftpd!;
    return openBackend({ kind: 'ftps', host: f.host, port: f.port, username: f.username, path: '/backups/x' }, secrets, { ...DEFAULT_CONNECTION, maxRetries: 1 });
  };

  it('FTPS: a self-signed certificate without a CA or pin is refused', async () => {
    await expectCode(ftps({ password: harness.ftpd!.password }), 'TLS_UNTRUSTED', /fingerprint/);
  });

  it('FTPS: a pinned certificate fingerprint works; another is refused as changed', async () => {
    const ok = ftps({ password: harness.ftpd!.password, tlsFingerprint: harness.ftpd!.certFingerprint });
    expect(await ok.list('snapshots')).toEqual([]);
    await ok.close();
    await expectCode(ftps({ password: harness.ftpd!.password, tlsFingerprint: 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }), 'HOST_KEY_CHANGED');
  });

  it('FTP: a wrong password says so', async () => {
    const f = harness.ftpd!;
    const backend = openBackend({ kind: 'ftp', host: f.host, port: f.port, username: f.username, path: '/x' }, { password: 'wrong' }, { ...DEFAULT_CONNECTION, maxRetries: 1 });
    await expectCode(backend, 'AUTH_FAILED');
  });
});

describe('backup directory relative to the remote home (JetBackup style)', () => {
  it('SFTP: /~/dir lands in the login user’s home', async () => {
    const s = harness.sshd!;
    const dir = `home-relative-${unique()}`;
    const backend = openBackend({ kind: 'sftp', host: s.host, port: s.port, username: s.shell.username, path: `~/${dir}` }, { password: s.shell.password, hostKey: s.hostKeyFingerprint });
    await backend.write('config', Buffer.from('here'));
    await backend.close();
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(s.shell.home, dir, 'config'), 'utf8')).toBe('here');
  });

  it('FTP: /~/dir lands in the login folder', async () => {
    const f = harness.ftpd!;
    const dir = `home-relative-${unique()}`;
    const backend = openBackend({ kind: 'ftp', host: f.host, port: f.port, username: f.username, path: `~/${dir}` }, { password: f.password });
    await backend.write('config', Buffer.from('there'));
    await backend.close();
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(f.root, dir, 'config'), 'utf8')).toBe('there');
  });
});

describe('FTP active mode (passive is the default)', () => {
  it.each([false, true])('round-trips objects over active data connections (TLS: %s)', async (secure) => {
    const f = harness.ftpd!;
    const backend = openBackend(
      { kind: secure ? 'ftps' : 'ftp', host: f.host, port: f.port, username: f.username, path: `/backups/active-${unique()}` },
      { password: f.password, caFile: secure ? f.caFile : undefined },
      { ...DEFAULT_CONNECTION, passive: false, maxConnections: 2 },
    );
    const before = activeDataConnectionsAccepted();
    try {
      const data = randomBytes(2 * 1024 * 1024);
      const name = `data/ab/ab${hex().slice(2)}`;
      await backend.write(name, data);
      expect((await backend.read(name)).equals(data)).toBe(true);
      expect((await backend.list('data')).map((o) => o.name)).toContain(name);
      // Upload, download and two listings: each over a connection the server opened to us.
      expect(activeDataConnectionsAccepted() - before).toBeGreaterThanOrEqual(4);
    } finally {
      await backend.close();
    }
  });
});
