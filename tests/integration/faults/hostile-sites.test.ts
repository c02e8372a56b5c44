import { appendFile, mkdir, mkdtemp, open, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type SiteHost } from '../../harness/site-placement';
import { FTP_SYSTEM_USER } from '../../harness/ftpd';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

const PASS = 'hostile sites passphrase';
const SPARSE_SIZE = 256 * 1024 * 1024;
let harness: HarnessInfo;
let home: string;
let work: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: PASS,
  ...accountPasswordEnv(harness),
  ...extra,
});
const { sv } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-hostile-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-hostile-work-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Names a real server can hold and that a careless tool mangles: each must come back as it was. */
const ODD_BUT_REAL = ['..dots', 'a..b', '-dash', '$(touch pwned)', `q'uo"te`, ' lead space', 'star*?[x]', 'back\\slash', 'ünïcødé-名前.txt', 'L'.repeat(250)];
/** A listing line smuggled into a name: a parser that splits on line breaks sees a file that is not there. */
const INJECTED = [`inject\n-rw-r--r--    1 0 0 5 Jan  1  2020 fake-list.txt`, `inject2\ntype=file;size=5;modify=20200101000000; fake-mlsd.txt`];
const NOT_UTF8 = [Buffer.from('caf\xe9.txt', 'latin1'), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74])];

/** The odd folder a hostile or merely old server holds, under the site. */
async function plantOddTree(root: string, owner: string): Promise<void> {
  const odd = join(root, 'odd');
  await mkdir(odd);
  for (const name of ODD_BUT_REAL) await writeFile(join(odd, name), `content of ${name}\n`);
  for (const name of INJECTED) await writeFile(join(odd, name), 'smuggled\n');
  for (const name of NOT_UTF8) await writeFile(Buffer.concat([Buffer.from(`${odd}/`), name]), 'old encoding\n');
  let deep = join(odd, 'deep');
  for (let i = 0; i < 12; i++) deep = join(deep, `${i}${'d'.repeat(180)}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom.txt'), 'at the bottom of a 2 KB path\n');
  await symlink('loop', join(odd, 'loop'));
  await symlink('lb', join(odd, 'la'));
  await symlink('la', join(odd, 'lb'));
  await symlink('.', join(odd, 'self'));
  await symlink('../../../../../../../..', join(odd, 'up'));
  await symlink('/etc', join(odd, 'etc'));
  const sparse = await open(join(odd, 'sparse.img'), 'w');
  await sparse.write('the end', SPARSE_SIZE - 7);
  await sparse.close();
  const ids = await userIds(owner);
  await run('chown', ['-R', '-h', `${ids.uid}:${ids.gid}`, odd]);
}

const hosts: Array<[string, SiteHost]> = [
  ['SSH with a shell', 'ssh-shell'],
  ['SFTP only', 'sftp-only'],
  ['FTP', 'ftp'],
];

describe.each(hosts)('a site over %s with hostile names and odd trees', (label, host) => {
  it('backs up every real name, warns by name for the rest, follows no link, and restores inside its target only', async () => {
    const placed = await placeSite(harness, host, `hostile-${host}`, { scale: 0.001 });
    const owner = host === 'ssh-shell' ? harness.sshd!.shell.username : host === 'sftp-only' ? harness.sshd!.sftp.username : FTP_SYSTEM_USER;
    await plantOddTree(placed.diskPath, owner);
    const url =
      host === 'ftp'
        ? `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${placed.remotePath}`
        : `sftp://${host === 'ssh-shell' ? harness.sshd!.shell.username : harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const secret = host === 'ssh-shell' ? 'SHELL_PASSWORD' : host === 'sftp-only' ? 'SFTP_PASSWORD' : 'FTP_PASSWORD';
    const trust = host === 'ftp' ? [] : ['--host-key', harness.sshd!.hostKeyFingerprint];
    expect((await sv(['site', 'add', label, '--url', url, '--password-env', secret, '--db', 'none', ...trust])).code).toBe(0);
    const repo = join(work, `repo-${host}`);
    expect((await sv(['init', '--repo', repo])).code).toBe(0);

    // A log that grows while the backup reads it.
    const log = join(placed.diskPath, 'odd', 'growing.log');
    await writeFile(log, 'line 0\n');
    await run('chown', [`${(await userIds(owner)).uid}`, log]);
    let growing = true;
    const grower = (async () => {
      for (let i = 1; growing && i < 20_000; i++) {
        await appendFile(log, `line ${i} ${'x'.repeat(200)}\n`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const backup = await sv(['backup', '--repo', repo, '--site', label, '--json']);
    growing = false;
    await grower;
    expect(backup.code, backup.stderr).toBe(0);
    const result = JSON.parse(backup.stdout) as { id: string; warnings: Array<{ path: string; message: string }> };
    const warned = (fragment: string) => result.warnings.find((w) => w.path.includes(fragment));

    // Names that are not UTF-8 are named in a warning (never silently dropped, never "vanished").
    expect(warned('caf')?.message, JSON.stringify(result.warnings)).toMatch(/not valid UTF-8/);
    expect(warned('bad')?.message).toMatch(/not valid UTF-8/);
    for (const w of result.warnings) expect(w.path, 'a warning shows no raw line break').not.toMatch(/\n/);

    const target = join(work, `restored-${host}`);
    const outside = join(work, `outside-${host}`);
    await mkdir(outside);
    const restored = await sv(['restore', '--repo', repo, result.id, '--target', target]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await readdir(outside), 'nothing written beside the target').toEqual([]);

    const before = await describeTree(join(placed.diskPath, 'odd'), { mtimes: false });
    const after = await describeTree(join(target, 'odd'), { mtimes: false });
    const mode = (entry: string | undefined) => entry?.replace(/^(file|dir) \d+/, '$1');
    // Every odd-but-real name and the 2 KB deep path come back with their content.
    // (pure-ftpd refuses to serve a name with a backslash: over FTP that one is a named warning.)
    const servable = host === 'ftp' ? ODD_BUT_REAL.filter((name) => !name.includes('\\')) : ODD_BUT_REAL;
    for (const name of servable) expect(after[name], name).toBe(before[name]);
    if (host === 'ftp') expect(warned('back\\')?.message).toMatch(/553/);
    const bottom = Object.keys(before).find((p) => p.endsWith('bottom.txt'))!;
    expect(mode(after[bottom])).toBe(mode(before[bottom]));
    // The sparse file comes back whole: its size, its last bytes, zeros before.
    expect(mode(after['sparse.img'])).toBe(mode(before['sparse.img']));
    // The growing log: a prefix of what it became, never garbage; a size change is a warning.
    const logBack = await readFile(join(target, 'odd', 'growing.log'));
    expect((await readFile(log)).subarray(0, logBack.length).equals(logBack)).toBe(true);
    // A smuggled listing line never becomes a file.
    expect(Object.keys(after).filter((p) => p.startsWith('fake'))).toEqual([]);

    if (host === 'ftp') {
      // pure-ftpd leaves names with a line break out of its listings: they cannot come back over FTP.
      for (const name of INJECTED) expect(after[name]).toBeUndefined();
      // FTP shows no link targets: each link is a named warning, and none is followed (no loop, nothing from outside).
      for (const link of ['loop', 'la', 'lb', 'self', 'up', 'etc']) {
        expect(after[link], link).toBeUndefined();
        expect(warned(`odd/${link}`)?.message, link).toMatch(/symbolic link/);
      }
    } else {
      for (const name of INJECTED) expect(after[name], JSON.stringify(name)).toBe(before[name]);
      // Links stay links, loops included, pointing where they pointed; none is followed.
      for (const link of ['loop', 'la', 'lb', 'self', 'up', 'etc']) expect(after[link], link).toBe(before[link]);
    }
    await rm(target, { recursive: true, force: true });
    await rm(join(placed.diskPath, 'odd'), { recursive: true, force: true });
  }, 240_000);
});
