import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { generateSite } from '../../harness/site-generator';

let harness: HarnessInfo;
let work: string;
let site: string;
beforeAll(async () => {
  harness = await loadHarnessInfo();
  work = await mkdtemp(join(tmpdir(), 'sv-remote-'));
  site = join(work, 'site');
  await generateSite(site, { seed: 'remote', scale: 0.004, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'u', password: 'p' } });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Remote {
  url: () => string;
  flags: () => string[];
  password: () => string;
}
const suffix = () => randomBytes(4).toString('hex');
const remotes: Array<[string, Remote]> = [
  [
    'SFTP (chrooted SFTP-only account)',
    {
      url: () => `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}/backups/cli-${suffix()}`,
      flags: () => ['--host-key', harness.sshd!.hostKeyFingerprint],
      password: () => harness.sshd!.sftp.password,
    },
  ],
  [
    'FTPS (explicit TLS, pinned certificate)',
    {
      url: () => `ftps://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/backups/cli-${suffix()}`,
      flags: () => ['--tls-fingerprint', harness.ftpd!.certFingerprint],
      password: () => harness.ftpd!.password,
    },
  ],
];

describe.each(remotes)('repository on %s, through the CLI', (_label, remote) => {
  let repo: string;
  const env = () => ({ ...process.env, SITEVAULT_PASSPHRASE: 'remote passphrase', SITEVAULT_REPO_PASSWORD: remote.password() });
  const sv = (args: string[]) => runCli([...args, '--repo', repo, ...remote.flags()], env());
  const json = async (args: string[]) => {
    const result = await sv(args);
    if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  beforeAll(() => {
    repo = remote.url();
  });

  it('initialises, backs up, deduplicates and restores byte-exact', async () => {
    expect((await sv(['init'])).code).toBe(0);
    const first = await json(['backup', '--source', site, '--site', 'remote', '--json']);
    expect(first.files_new).toBeGreaterThan(50);
    const second = await json(['backup', '--source', site, '--site', 'remote', '--json']);
    expect(second).toMatchObject({ files_new: 0, files_changed: 0, bytes_read: 0 });
    expect(second.bytes_added).toBeLessThan(5_000);
    const target = join(work, `restore-${suffix()}`);
    expect((await sv(['restore', 'latest', '--target', target])).code).toBe(0);
    expect(await describeTree(target)).toEqual(await describeTree(site));
  });

  it('passes check --read-data and copies to a local folder that restores on its own', async () => {
    const check = await sv(['check', '--read-data']);
    expect(check.stdout).toContain('No damage found.');
    const local = join(work, `local-copy-${suffix()}`);
    const copy = await json(['copy', '--to', local, '--json']);
    expect(copy.copied).toHaveLength(2);
    const target = join(work, `from-copy-${suffix()}`);
    expect((await runCli(['restore', '--repo', local, 'latest', '--target', target], env())).code).toBe(0);
    expect(await describeTree(target)).toEqual(await describeTree(site));
  });

  it('forgets and prunes on the server', async () => {
    const result = await json(['forget', '--keep-last', '1', '--prune', '--json']);
    expect(result.sites[0].remove).toHaveLength(1);
    expect(await json(['snapshots', '--json'])).toHaveLength(1);
    expect((await sv(['check', '--read-data'])).code).toBe(0);
  });

  it('refuses a password in the URL', async () => {
    const result = await runCli(['snapshots', '--repo', repo.replace('@', ':secret@')], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Do not put a password in the URL');
    expect(result.stderr).not.toContain('secret@');
  });
});
