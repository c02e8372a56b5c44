import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { FTP_SYSTEM_USER } from '../../harness/ftpd';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { userIds } from '../../harness/users';

// Issue 13, point 10: a backup of a folder that does not exist "succeeded" over FTP(S) with
// 0 files, and over SSH failed with only "An internal error occurred" (in the job's log too).

let harness: HarnessInfo;
let home: string;
let work: string;
let serve: ServeProcess | null = null;
const PASSPHRASE = 'missing source passphrase';
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: PASSPHRASE,
  REPO_PASS: PASSPHRASE,
  SHELL_PASSWORD: harness.sshd!.shell.password,
  FTP_PASSWORD: harness.ftpd!.password,
  ...extra,
});
const { sv, json } = cliWith(env);

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(name: string, input: unknown): Promise<Json> {
  const response = await fetch(`${serve!.origin}/api/call/${name}`, { method: 'POST', headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const envelope = (await response.json()) as { ok: boolean; result: Json; error?: { code: string; message: string } };
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error!.code}: ${envelope.error!.message}`);
  return envelope.result;
}
async function jobDone(id: string): Promise<Json> {
  for (;;) {
    const job = (await call('job:list', {})).jobs.find((j: { id: string }) => j.id === id);
    if (job && !['queued', 'running'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const snapshotCount = async (): Promise<number> => (await json(['snapshots', '--repo', 'Vault', '--json'])).length;

interface Protocol {
  label: string;
  /** The folder on this machine's disk that holds the test folders, and the same folder as the site's URL names it. */
  diskBase: () => string;
  remoteBase: () => string;
  owner: () => string;
  siteFlags: () => string[];
  url: (path: string) => string;
}

const PROTOCOLS: Protocol[] = [
  {
    label: 'SSH with a shell',
    diskBase: () => join(harness.sshd!.shell.home, 'sites', 'source-check'),
    remoteBase: () => join(harness.sshd!.shell.home, 'sites', 'source-check'),
    owner: () => harness.sshd!.shell.username,
    siteFlags: () => ['--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint],
    url: (path) => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${path}`,
  },
  {
    label: 'SFTP only',
    diskBase: () => join(harness.sshd!.sftp.chroot, 'public_html', 'source-check'),
    remoteBase: () => '/public_html/source-check',
    owner: () => harness.sshd!.sftp.username,
    siteFlags: () => ['--identity', harness.sshd!.sftp.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint],
    url: (path) => `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${path}`,
  },
  {
    label: 'FTP',
    diskBase: () => join(harness.ftpd!.root, 'public_html', 'source-check-ftp'),
    remoteBase: () => '/public_html/source-check-ftp',
    owner: () => FTP_SYSTEM_USER,
    siteFlags: () => ['--password-env', 'FTP_PASSWORD'],
    url: (path) => `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${path}`,
  },
  {
    label: 'FTPS',
    diskBase: () => join(harness.ftpd!.root, 'public_html', 'source-check-ftps'),
    remoteBase: () => '/public_html/source-check-ftps',
    owner: () => FTP_SYSTEM_USER,
    siteFlags: () => ['--password-env', 'FTP_PASSWORD', '--ca', harness.ftpd!.caFile],
    url: (path) => `ftps://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${path}`,
  },
];

/** A folder the server's user owns: empty, or with no permissions at all. */
async function makeFolder(path: string, owner: string, mode: number): Promise<void> {
  await mkdir(path, { recursive: true });
  const ids = await userIds(owner);
  await chown(path, ids.uid, ids.gid);
  await chmod(path, mode);
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-missing-source-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-missing-source-work-'));
  const added = await sv(['destination', 'add', 'Vault', '--url', join(work, 'repo'), '--passphrase-env', 'REPO_PASS']);
  expect(added.code, added.stderr).toBe(0);
  expect((await sv(['init', '--repo', 'Vault'])).code).toBe(0);
  for (const protocol of PROTOCOLS) {
    const base = protocol.diskBase();
    await rm(base, { recursive: true, force: true });
    await makeFolder(base, protocol.owner(), 0o755);
    await makeFolder(join(base, 'empty'), protocol.owner(), 0o755);
    await makeFolder(join(base, 'locked'), protocol.owner(), 0o000);
    for (const folder of ['missing', 'empty', 'locked']) {
      const name = `${protocol.label} ${folder}`;
      const result = await sv(['site', 'add', name, '--url', protocol.url(`${protocol.remoteBase()}/${folder}`), '--db', 'none', '--destination', 'Vault', ...protocol.siteFlags()]);
      expect(result.code, result.stderr).toBe(0);
    }
  }
});
afterAll(async () => {
  await serve?.stop();
  for (const protocol of PROTOCOLS) await rm(protocol.diskBase(), { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe.each(PROTOCOLS)('a site over $label whose folder', (protocol) => {
  it('does not exist fails the backup, names the folder, and writes no snapshot', async () => {
    const before = await snapshotCount();
    const result = await sv(['backup', '--repo', 'Vault', '--site', `${protocol.label} missing`, '--json']);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toContain('[SOURCE_NOT_FOUND]');
    expect(result.stderr).toContain(`${protocol.remoteBase()}/missing`);
    expect(result.stderr).not.toMatch(/internal|unexpected/i);
    expect(await snapshotCount()).toBe(before);
  });

  it('cannot be read fails the backup, names the folder, and writes no snapshot', async () => {
    const before = await snapshotCount();
    const result = await sv(['backup', '--repo', 'Vault', '--site', `${protocol.label} locked`, '--json']);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toContain('[SOURCE_UNREADABLE]');
    expect(result.stderr).toContain(`${protocol.remoteBase()}/locked`);
    expect(result.stderr).not.toMatch(/internal|unexpected/i);
    expect(await snapshotCount()).toBe(before);
  });

  it('exists but is empty gives a snapshot with a warning that says so', async () => {
    const before = await snapshotCount();
    const result = await json(['backup', '--repo', 'Vault', '--site', `${protocol.label} empty`, '--json']);
    expect(result.files).toBe(0);
    expect(result.warnings).toEqual([{ path: '/', message: expect.stringMatching(/is empty/) }]);
    expect(await snapshotCount()).toBe(before + 1);
  });
});

describe('a local source folder (--source)', () => {
  it('that does not exist fails, naming it, and writes no snapshot', async () => {
    const missing = join(work, 'no-such-folder');
    const before = await snapshotCount();
    const result = await sv(['backup', '--repo', 'Vault', '--source', missing, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SOURCE_NOT_FOUND]');
    expect(result.stderr).toContain(missing);
    expect(await snapshotCount()).toBe(before);
  });

  it('that is a file, not a folder, fails, naming it', async () => {
    const file = join(work, 'repo', 'config');
    const result = await sv(['backup', '--repo', 'Vault', '--source', file, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SOURCE_NOT_FOUND]');
    expect(result.stderr).toContain(`${file} is not a folder`);
  });

  it('that is empty gives a snapshot with a warning', async () => {
    const empty = join(work, 'empty-folder');
    await mkdir(empty);
    const result = await json(['backup', '--repo', 'Vault', '--source', empty, '--json']);
    expect(result.files).toBe(0);
    expect(result.warnings).toEqual([{ path: '/', message: expect.stringMatching(/is empty/) }]);
  });
});

describe('through the app (serve)', () => {
  it.each(PROTOCOLS.map((p) => [p.label, p] as const))('over %s, the failed job and its log name the missing folder; no "internal error"', async (_label, protocol) => {
    serve ??= await startServe(env());
    const before = await snapshotCount();
    const job = await jobDone((await call('backup:run', { site: `${protocol.label} missing` })).jobId);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('SOURCE_NOT_FOUND');
    expect(job.error.message).toContain(`${protocol.remoteBase()}/missing`);
    const last = job.log.at(-1).message as string;
    expect(last).toContain(`${protocol.remoteBase()}/missing`);
    expect(JSON.stringify(job)).not.toMatch(/internal error/i);
    expect(await snapshotCount()).toBe(before);
  });
});
