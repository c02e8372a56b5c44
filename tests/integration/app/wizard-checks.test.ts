import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorPayload } from '../../../src-main/core/contract/errors';
import type { OperationName } from '../../../src-main/core/contract/names';
import { openCore, type Core } from '../../../src-main/core/open-core';
import { dispatch } from '../../../src-main/core/service/dispatch';
import { appHint } from '../../../src-renderer/lib/hints';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let core: Core;
let shellSite: PlacedSite;
let sftpOnlySite: PlacedSite;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (name: OperationName, input: unknown): Promise<{ ok: true; result: any } | { ok: false; error: ErrorPayload }> => dispatch(core.handlers, name, input) as never;
const ok = async (name: OperationName, input: unknown) => {
  const envelope = await call(name, input);
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.result;
};
const failure = async (name: OperationName, input: unknown): Promise<ErrorPayload> => {
  const envelope = await call(name, input);
  if (envelope.ok) throw new Error(`${name} succeeded`);
  return envelope.error;
};
/** What the app shows for an error: the core's facts, then its own next step. */
const shown = (error: ErrorPayload) => `${error.message} ${appHint(error) ?? ''}`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-wizard-'));
  core = await openCore({ shell: 'headless', env: { ...process.env, SITEVAULT_HOME: home } });
  [shellSite, sftpOnlySite] = await Promise.all([placeSite(harness, 'ssh-shell', 'wizard-shell'), placeSite(harness, 'sftp-only', 'wizard-sftp')]);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('connection errors in the wizard: the cause and the next step, in words', () => {
  it('a name that does not resolve, a closed port, and a port that speaks the other protocol', async () => {
    const unknown = await failure('server:identify', { url: 'sftp://someone@nothing.invalid:22/', timeoutSeconds: 10 });
    expect(unknown).toMatchObject({ code: 'CONNECTION_FAILED', hint: 'check-server-name' });
    expect(shown(unknown)).toMatch(/^No server named nothing\.invalid was found\. Check the spelling/);

    const port = await closedPort();
    const closed = await failure('server:identify', { url: `ftp://someone@127.0.0.1:${port}/`, timeoutSeconds: 10 });
    expect(closed).toMatchObject({ code: 'CONNECTION_FAILED', hint: 'check-port' });
    expect(closed.message).toBe(`Nothing answers on port ${port} of 127.0.0.1.`);

    const sshPort = harness.sshd!.port;
    const ftpToSsh = await failure('server:identify', { url: `ftp://someone@127.0.0.1:${sshPort}/`, timeoutSeconds: 10 });
    expect(ftpToSsh).toMatchObject({ code: 'CONNECTION_FAILED', hint: 'choose-sftp' });
    expect(shown(ftpToSsh)).toBe(`Port ${sshPort} of 127.0.0.1 speaks SSH, not FTP. Choose SFTP as the protocol for this port.`);

    const ftpPort = harness.ftpd!.port;
    const sshToFtp = await failure('server:identify', { url: `sftp://someone@127.0.0.1:${ftpPort}/`, timeoutSeconds: 10 });
    expect(sshToFtp).toMatchObject({ code: 'CONNECTION_FAILED', hint: 'choose-ftp' });
    expect(shown(sshToFtp)).toContain(`Port ${ftpPort} of 127.0.0.1 speaks FTP, not SSH. Choose FTP or FTPS`);

    for (const error of [unknown, closed, ftpToSsh, sshToFtp]) expect(shown(error)).not.toMatch(/ENOTFOUND|ECONNREFUSED|internal error|--/i);
  });

  it('an FTP login sent to an SSH port (the folder picker, a backup) is told from the banner after the wait, not as a timeout', async () => {
    const sshPort = harness.sshd!.port;
    const login = await failure('server:folders', { url: `ftp://${harness.ftpd!.username}@127.0.0.1:${sshPort}/`, password: harness.ftpd!.password, timeoutSeconds: 2 });
    expect(login).toMatchObject({ code: 'CONNECTION_FAILED', hint: 'choose-sftp' });
    expect(login.message).toBe(`Port ${sshPort} of 127.0.0.1 speaks SSH, not FTP.`);
    // A server whose certificate was confirmed: no advice to switch protocol, which is what someone in the middle would want.
    const pinned = await failure('server:folders', {
      url: `ftps://${harness.ftpd!.username}@127.0.0.1:${sshPort}/`,
      password: harness.ftpd!.password,
      tlsFingerprint: harness.ftpd!.certFingerprint,
      timeoutSeconds: 2,
    });
    expect(pinned.message).toContain('now answers as an SSH server, though SiteVault confirmed its certificate before');
    expect(pinned.hint ?? null).toBeNull();
  });
});

describe('a server already trusted is not asked about again', () => {
  it('names the saved destination that pinned the same host key on the same host and port, and nothing for another port', async () => {
    const sshd = harness.sshd!;
    await ok('destination:save', {
      name: 'Office SFTP',
      url: `sftp://${sshd.shell.username}@127.0.0.1:${sshd.port}/~/wizard-repo`,
      hostKey: sshd.hostKeyFingerprint,
      password: sshd.shell.password,
      create: false,
    });
    const seen = await ok('server:identify', { url: `sftp://${sshd.sftp.username}@127.0.0.1:${sshd.port}/public_html` });
    expect(seen).toEqual({ kind: 'ssh-host-key', fingerprint: sshd.hostKeyFingerprint, trustedBy: [{ kind: 'destination', name: 'Office SFTP' }] });
    // The same machine by another name is another server: its key is confirmed on its own.
    const byName = await ok('server:identify', { url: `sftp://${sshd.sftp.username}@localhost:${sshd.port}/public_html` });
    expect(byName.trustedBy).toEqual([]);
    const ftps = await ok('server:identify', { url: `ftps://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/` });
    expect(ftps).toMatchObject({ kind: 'tls-certificate', fingerprint: harness.ftpd!.certFingerprint, trustedBy: [] });
  });
});

describe("the wizard's Verify, before anything is saved", () => {
  const shellUrl = (path: string) => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${path}`;
  const shellLogin = () => ({ hostKey: harness.sshd!.hostKeyFingerprint, password: harness.sshd!.shell.password });

  it('a WordPress site over SSH with a shell: its folder, wp-config.php, and its database dumped the way backups will', async () => {
    const check = await ok('site:check', { url: shellUrl(shellSite.remotePath), ...shellLogin() });
    expect(check).toEqual({
      folder: { path: shellSite.remotePath, exists: true },
      wpConfig: true,
      access: 'shell',
      database: { state: 'reachable', name: shellSite.database, user: harness.mariadb!.wp.user, host: expect.any(String), message: expect.any(String) },
    });
    expect(core.sites.list()).toEqual([]);
  });

  it('a folder that does not exist, and a folder without wp-config.php, are told (over SFTP and over FTP)', async () => {
    const missing = await ok('site:check', { url: shellUrl(`${shellSite.remotePath}-typo`), ...shellLogin() });
    expect(missing).toMatchObject({ folder: { exists: false }, wpConfig: false, database: { state: 'not-found' } });
    const home = await ok('site:check', { url: shellUrl('/~'), ...shellLogin() });
    expect(home).toMatchObject({ folder: { path: harness.sshd!.shell.home, exists: true }, wpConfig: false, access: 'shell', database: { state: 'not-found' } });
    const ftp = harness.ftpd!;
    const overFtp = await ok('site:check', { url: `ftp://${ftp.username}@127.0.0.1:${ftp.port}/no-such-folder`, password: ftp.password });
    expect(overFtp).toMatchObject({ folder: { path: '/no-such-folder', exists: false }, access: 'ftp' });
    // Over FTP, wp-config.php is asked for by name (SIZE), not found in a listing.
    const ftpSite = await placeSite(harness, 'ftp', 'wizard-ftp');
    const found = await ok('site:check', { url: `ftp://${ftp.username}@127.0.0.1:${ftp.port}${ftpSite.remotePath}`, password: ftp.password, database: 'none' });
    expect(found).toMatchObject({ folder: { exists: true }, wpConfig: true, access: 'ftp' });
    const noConfig = await ok('site:check', { url: `ftp://${ftp.username}@127.0.0.1:${ftp.port}${ftpSite.remotePath}/wp-content`, password: ftp.password, database: 'none' });
    expect(noConfig).toMatchObject({ folder: { exists: true }, wpConfig: false });
  });

  it('an SFTP-only account finds the database in wp-config.php but cannot dump it; a wrong database password given by hand is unreachable', async () => {
    const sshd = harness.sshd!;
    const sftpOnly = await ok('site:check', { url: `sftp://${sshd.sftp.username}@127.0.0.1:${sshd.port}${sftpOnlySite.remotePath}`, hostKey: sshd.hostKeyFingerprint, password: sshd.sftp.password });
    expect(sftpOnly).toMatchObject({ folder: { exists: true }, wpConfig: true, access: 'sftp-only', database: { state: 'no-shell', name: sftpOnlySite.database } });
    const db = harness.mariadb!;
    const wrong = await ok('site:check', {
      url: shellUrl(shellSite.remotePath),
      ...shellLogin(),
      database: { host: db.host, port: db.port, name: shellSite.database, user: db.wp.user },
      dbPassword: 'not the password',
    });
    expect(wrong.database).toMatchObject({ state: 'unreachable', name: shellSite.database });
    expect(wrong.database.message).toMatch(/denied/i);
    const filesOnly = await ok('site:check', { url: shellUrl(shellSite.remotePath), ...shellLogin(), database: 'none' });
    expect(filesOnly).toMatchObject({ wpConfig: true, database: { state: 'none' } });
  });

  it('editing, the saved database password serves the check only for the database it was saved for', async () => {
    const db = harness.mariadb!;
    const database = { host: db.host, port: db.port, name: shellSite.database, user: db.wp.user };
    // A saved password the server refuses, so that the answers tell which password was sent.
    await ok('site:save', { name: 'Saved DB', url: shellUrl(shellSite.remotePath), ...shellLogin(), destination: null, database, dbPassword: 'saved for this database' });
    const edit = { name: 'Saved DB', mode: 'edit', url: shellUrl(shellSite.remotePath), hostKey: harness.sshd!.hostKeyFingerprint };
    const same = await ok('site:check', { ...edit, database });
    expect(same.database.message).toMatch(/denied/i);
    // Another database typed in the form: not the saved password (wp-config.php's, which logs in, goes instead).
    const other = await ok('site:check', { ...edit, database: { ...database, name: 'wp_other' } });
    expect(other.database.message).toMatch(/Unknown database/);
  });
});

describe('destinations: saved only once their repository is there', () => {
  it('a folder that cannot be created fails at once and saves nothing', async () => {
    const sshd = harness.sshd!;
    // The shell user may not create folders in the server's root.
    const error = await failure('destination:save', {
      name: 'Nowhere',
      url: `sftp://${sshd.shell.username}@127.0.0.1:${sshd.port}/not-allowed-${Date.now()}/repo`,
      hostKey: sshd.hostKeyFingerprint,
      password: sshd.shell.password,
      passphrase: 'a repository passphrase',
      maxRetries: 0,
    });
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(core.destinations.find('Nowhere')).toBeUndefined();
    expect(await core.secrets.read('destination:Nowhere:password')).toBeNull();
  });

  it('creates the repository of a destination saved without one, and leaves one that is there', async () => {
    await ok('destination:save', { name: 'Later', url: join(home, 'later-repo'), passphrase: 'a repository passphrase', create: false });
    expect(await failure('repo:snapshots', { destination: 'Later' })).toMatchObject({ code: 'NOT_FOUND', hint: 'create-repository' });
    expect(await ok('destination:createRepository', { name: 'Later' })).toEqual({ created: true });
    expect(await ok('repo:snapshots', { destination: 'Later' })).toEqual({ snapshots: [] });
    expect(await ok('destination:createRepository', { name: 'Later' })).toEqual({ created: false });
  });
});
