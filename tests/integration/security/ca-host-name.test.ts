import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { startFtpd, type FtpdInfo } from '../../harness/ftpd';
import { stopDaemon } from '../../harness/processes';

// Issue 13, point 5: a custom CA does not turn the host-name check off. A real pure-ftpd
// presents a certificate that the test CA issued for other.example.
let state: string;
let home: string;
let server: FtpdInfo;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'ca host name passphrase', SITEVAULT_REPO_PASSWORD: server.password, ...extra });
const { sv } = cliWith(env);

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'sv-ca-name-'));
  await chmod(state, 0o755);
  home = await mkdtemp(join(tmpdir(), 'sv-ca-name-home-'));
  server = await startFtpd(state, { name: 'other-name', certificate: 'other-name' });
});
afterAll(async () => {
  if (server) await stopDaemon(server.daemon);
  await rm(state, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('FTPS with a custom CA', () => {
  it('refuses a certificate the CA issued for another name, and points to the pin instead', async () => {
    const url = `ftps://${server.username}@127.0.0.1:${server.port}/backups`;
    const withCa = await sv(['init', '--repo', url, '--ca', server.caFile]);
    expect(withCa.code).not.toBe(0);
    expect(withCa.stderr).toMatch(/TLS_UNTRUSTED/);
    expect(withCa.stderr).toMatch(/issued for another name/);
    expect(withCa.stderr).toMatch(/fingerprint/);
    expect(withCa.stderr).not.toContain(server.password);
    // The same server pinned by its fingerprint: the way for a certificate whose name cannot match.
    const pinned = await sv(['init', '--repo', url, '--tls-fingerprint', server.certFingerprint]);
    expect(pinned.stderr).toBe('');
    expect(pinned.code).toBe(0);
  });
});
