import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainServiceName, OsKeychain } from '../../../src-main/core/secrets/keychain';
import { cliWith } from '../../helpers/cli';
import { fileZillaExport } from '../../helpers/filezilla-export';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let placed: PlacedSite;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, REPO_PASSPHRASE: 'imported sites go here', ...extra });
const { sv } = cliWith(env);

/** The lines sshd logged about password logins of the shell user (none may come before the key is pinned). */
async function passwordLogins(): Promise<string[]> {
  const log = await readFile(harness.sshd!.daemon.logFile, 'utf8');
  return log.split('\n').filter((line) => /password for/.test(line) && line.includes(harness.sshd!.shell.username));
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-site-import-'));
  placed = await placeSite(harness, 'ssh-shell', 'site-import');
  const added = await sv(['destination', 'add', 'office', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASSPHRASE']);
  expect(added.code, added.stderr).toBe(0);
  expect((await sv(['init', '--repo', 'office'])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('sitevault site import', () => {
  it('imports a FileZilla export: passwords in the keychain, not in settings.json; no password goes to the server before its key is confirmed; then trusted and detected', async () => {
    const ssh = harness.sshd!;
    const remoteDir = placed.remotePath.split('/').filter(Boolean);
    const exportFile = join(home, 'sitemanager.xml');
    await writeFile(
      exportFile,
      fileZillaExport([{ name: 'Shop', host: '127.0.0.1', port: ssh.port, protocol: 1, user: ssh.shell.username, password: ssh.shell.password, remoteDir }], {
        Clients: [
          { name: 'Bakery', host: '127.0.0.1', port: harness.ftpd?.port ?? 21, protocol: 4, user: 'baker', password: 'bakery-ftp-secret', remoteDir: ['www'] },
          { name: 'Bucket', host: 's3.example', port: 443, protocol: 7, user: 'key' },
        ],
      }),
    );

    const dry = await sv(['site', 'import', exportFile, '--destination', 'office', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would import 2 sites (a dry run: nothing was saved).');
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites).toEqual([]);

    const logins = (await passwordLogins()).length;
    const imported = await sv(['site', 'import', exportFile, '--destination', 'office']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported 2 sites.');
    expect(imported.stdout).toContain('Clients/Bucket: its protocol is Amazon S3');
    expect(imported.stdout).toContain('sitevault site edit NAME --accept-new-host-key');

    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(ssh.shell.password);
    expect(settings).not.toContain('bakery-ftp-secret');
    const keychain = new OsKeychain(keychainServiceName(home, false));
    expect(await keychain.read('site:Shop:password')).toBe(ssh.shell.password);
    expect(await keychain.read('site:Clients-Bakery:password')).toBe('bakery-ftp-secret');

    // Not trusted yet: the backup stops at the host key, before any login.
    const refused = await sv(['backup', '--site', 'Shop']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not trusted yet');
    expect(await passwordLogins()).toHaveLength(logins);

    const trusted = await sv(['site', 'edit', 'Shop', '--host-key', ssh.hostKeyFingerprint]);
    expect(trusted.code, trusted.stderr).toBe(0);
    const detected = await sv(['site', 'test', 'Shop', '--json']);
    expect(detected.code, detected.stderr).toBe(0);
    const report = JSON.parse(detected.stdout);
    expect(report).toMatchObject({ connected: true, shell: true, wordpress: true, database: { name: placed.database, reachable: true } });
    expect((await passwordLogins()).length).toBeGreaterThan(logins);
  });

  it('never replaces a saved site: a CSV row of the same name is saved with -2; a bad row is skipped with its reason', async () => {
    const csv = join(home, 'sites.csv');
    await writeFile(
      csv,
      ['name,protocol,host,port,user,password,folder,tags', `Shop,sftp,127.0.0.1,${harness.sshd!.port},someone,other-secret,/srv/x,"acme, retainer"`, 'Dav,webdav,dav.example,443,u,p,,'].join('\n'),
    );
    const result = await sv(['site', 'import', csv, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.imported).toEqual([expect.objectContaining({ name: 'Shop-2', renamedFrom: 'Shop', password: true })]);
    expect(summary.skipped).toEqual([{ entry: 'row 2 (Dav)', reason: expect.stringContaining('"webdav" is not sftp, ftp or ftps') }]);
    const keychain = new OsKeychain(keychainServiceName(home, false));
    expect(await keychain.read('site:Shop:password')).toBe(harness.sshd!.shell.password);
    expect(await keychain.read('site:Shop-2:password')).toBe('other-secret');
  });
});
