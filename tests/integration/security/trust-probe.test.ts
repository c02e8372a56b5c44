import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { FakeFtpServer, makeCertificate } from '../../harness/fake-ftp-server';
import { FakeSshServer } from '../../harness/fake-ssh-server';

// Issue 13, point 2: showing a server's key or certificate for the user to confirm sends it
// no secret. The servers are fakes that record what they receive (a man in the middle).
const PASSWORD = 'probe-password-7Tq!';
let home: string;
let ssh: FakeSshServer;
let ftps: FakeFtpServer;
let serve: ServeProcess | null = null;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, PROBE_PASSWORD: PASSWORD, REPO_PASS: 'repo passphrase for the probe test', ...extra });
const { sv, json } = cliWith(env);

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sv-probe-'));
  [ssh, ftps] = await Promise.all([new FakeSshServer().start(), makeCertificate().then((cert) => new FakeFtpServer({ control: cert }).start())]);
});
afterEach(() => {
  ssh.connections.length = 0;
  ftps.sessions.length = 0;
  ftps.commands.length = 0;
});
afterAll(async () => {
  await serve?.stop();
  await Promise.all([ssh?.stop(), ftps?.stop()]);
  await rm(home, { recursive: true, force: true });
});

async function savedDestination(name: string): Promise<{ hostKey: string | null; tlsFingerprint: string | null }> {
  const list = (await json(['destination', 'list', '--json'])) as Array<{ name: string; hostKey: string | null; tlsFingerprint: string | null }>;
  return list.find((d) => d.name === name)!;
}

describe('trusting a server on first use sends it nothing secret', () => {
  it('SSH: the host key is read in the key exchange; no password or key is offered', async () => {
    const result = await sv([
      'destination',
      'add',
      'ProbeSsh',
      '--url',
      `sftp://backup@127.0.0.1:${ssh.port}/backups`,
      '--password-env',
      'PROBE_PASSWORD',
      '--passphrase-env',
      'REPO_PASS',
      '--accept-new-host-key',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(ssh.connections.length).toBeGreaterThan(0);
    expect(ssh.secretsReceived).toBe(false);
    expect((await savedDestination('ProbeSsh')).hostKey).toBe(ssh.fingerprint);
  });

  it('FTPS: connect, AUTH TLS, read the certificate, QUIT: no USER, no PASS', async () => {
    const result = await sv([
      'destination',
      'add',
      'ProbeFtps',
      '--url',
      `ftps://backup@127.0.0.1:${ftps.port}/backups`,
      '--password-env',
      'PROBE_PASSWORD',
      '--passphrase-env',
      'REPO_PASS',
      '--accept-new-host-key',
    ]);
    expect(result.code).toBe(0);
    expect(ftps.sessions.length).toBe(1);
    expect(ftps.sessions[0]!.map((line) => line.split(' ')[0]!.toUpperCase())).toEqual(['AUTH', 'QUIT']);
    expect(ftps.loginAttempted).toBe(false);
    expect((await savedDestination('ProbeFtps')).tlsFingerprint).toBe(ftps.fingerprint);
  });

  it("the app's trust step (server:identify) shows the key and sends no secret", async () => {
    serve = await startServe(env());
    const call = async (input: unknown) => {
      const response = await fetch(`${serve!.origin}/api/call/server:identify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await response.json()) as { ok: boolean; result: { kind: string; fingerprint: string } };
    };
    const sshSeen = await call({ url: `sftp://backup@127.0.0.1:${ssh.port}/backups` });
    // The destinations the tests above saved pinned these servers: the step names them.
    expect(sshSeen.result).toEqual({ kind: 'ssh-host-key', fingerprint: ssh.fingerprint, trustedBy: [{ kind: 'destination', name: 'ProbeSsh' }] });
    const ftpsSeen = await call({ url: `ftps://backup@127.0.0.1:${ftps.port}/backups` });
    expect(ftpsSeen.result).toEqual({ kind: 'tls-certificate', fingerprint: ftps.fingerprint, trustedBy: [{ kind: 'destination', name: 'ProbeFtps' }] });
    expect(ssh.secretsReceived).toBe(false);
    expect(ftps.loginAttempted).toBe(false);
    // The API takes no password for this step: a renderer cannot send one by mistake.
    const withPassword = await call({ url: `sftp://backup@127.0.0.1:${ssh.port}/backups`, password: PASSWORD });
    expect(withPassword.ok).toBe(false);
  });
});
