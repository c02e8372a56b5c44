import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { startFtpd, type FtpdInfo } from '../../harness/ftpd';
import { stopDaemon } from '../../harness/processes';

let state: string;
let home: string;
let plain: FtpdInfo;
let expired: FtpdInfo;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'hostile servers passphrase', ...extra });
const { sv } = cliWith(env);

// Two more real pure-ftpd servers beside the shared one: one that refuses TLS, one whose certificate expired in 2020.
beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'sv-servers-'));
  await chmod(state, 0o755);
  home = await mkdtemp(join(tmpdir(), 'sv-servers-home-'));
  [plain, expired] = await Promise.all([startFtpd(state, { name: 'no-tls', tls: false }), startFtpd(state, { name: 'expired', certificate: 'expired' })]);
});
afterAll(async () => {
  await Promise.all([plain, expired].filter(Boolean).map((server) => stopDaemon(server.daemon)));
  await rm(state, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('FTP servers that cannot be trusted as asked', () => {
  it('a server without TLS, when TLS was asked for: refused as a site and as a destination, never a silent fall back to plain FTP', async () => {
    const url = `ftps://${plain.username}@127.0.0.1:${plain.port}/backups`;
    const asDestination = await sv(['init', '--repo', url], { SITEVAULT_REPO_PASSWORD: plain.password });
    expect(asDestination.code).not.toBe(0);
    expect(asDestination.stderr).toMatch(/TLS_UNTRUSTED/);
    expect(asDestination.stderr).toMatch(/does not offer TLS|never falls back/);
    expect(asDestination.stderr).not.toContain(plain.password);
    const asSite = await sv(['backup', '--repo', join(home, 'repo'), '--source', `ftps://${plain.username}@127.0.0.1:${plain.port}/public_html`, '--db', 'none'], { SITEVAULT_SOURCE_PASSWORD: plain.password });
    expect(asSite.code).not.toBe(0);
    expect(asSite.stderr).toMatch(/never falls back to plain FTP/);
    // The same server over plain ftp:// works: the refusal is about TLS, not the login.
    expect((await sv(['init', '--repo', `ftp://${plain.username}@127.0.0.1:${plain.port}/backups`], { SITEVAULT_REPO_PASSWORD: plain.password })).code).toBe(0);
  });

  it('an expired certificate from a trusted CA: refused with the reason, as a site and as a destination', async () => {
    const asDestination = await sv(['init', '--repo', `ftps://${expired.username}@127.0.0.1:${expired.port}/backups`, '--ca', expired.caFile], { SITEVAULT_REPO_PASSWORD: expired.password });
    expect(asDestination.code).not.toBe(0);
    expect(asDestination.stderr).toMatch(/TLS_UNTRUSTED/);
    expect(asDestination.stderr).toMatch(/CERT_HAS_EXPIRED|expired/i);
    const asSite = await sv(['backup', '--repo', join(home, 'repo2'), '--source', `ftps://${expired.username}@127.0.0.1:${expired.port}/public_html`, '--source-ca', expired.caFile, '--db', 'none'], {
      SITEVAULT_SOURCE_PASSWORD: expired.password,
    });
    expect(asSite.code).not.toBe(0);
    expect(asSite.stderr).toMatch(/CERT_HAS_EXPIRED|expired/i);
  });

  it('a self-signed certificate that nobody pinned: refused, with its fingerprint to check', async () => {
    const result = await sv(['init', '--repo', `ftps://${expired.username}@127.0.0.1:${expired.port}/backups`], { SITEVAULT_REPO_PASSWORD: expired.password });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/TLS_UNTRUSTED|TLS_UNKNOWN|certificate/i);
  });
});
