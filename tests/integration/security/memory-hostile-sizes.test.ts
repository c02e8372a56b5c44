import { chmod, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { FTP_SYSTEM_USER } from '../../harness/ftpd';
import { peakRssMiB } from '../../harness/processes';
import { placeSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

/**
 * Issue 13, point 8: what a hostile server or storage host sends is bounded. A huge tar
 * header, a tar entry far larger than listed, an endless `find`, a 50 MB wp-config.php and
 * scrypt parameters asking for gigabytes each end in a clear error (or, for the entry, a
 * stream that is never held), and the process stays up with its memory bounded.
 */
let harness: HarnessInfo;
let home: string;
let work: string;
let repo: string;
let serve: ServeProcess | null = null;
let fakeBin: string;
let bashrc: string;
let bashrcBefore: string | null;
const PASSPHRASE = 'memory repo passphrase';
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: PASSPHRASE, REPO_PASS: PASSPHRASE, ...accountPasswordEnv(harness), ...extra });
const { sv } = cliWith(env);
const MIB = 1024 * 1024;
/** The CLI reports its peak resident memory as it exits. */
const MEASURE = { NODE_OPTIONS: "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS='+process.resourceUsage().maxRSS+'\\n'))" };
const peakRss = (stderr: string) => Number(/MAXRSS=(\d+)/.exec(stderr)?.[1]) * 1024;
let baseline: number;

/** A tar "server" for the shell user: one giant pax header, or a file entry far larger than listed (128 MiB for 10 bytes). */
const HOSTILE_TAR = `import sys
out = sys.stdout.buffer
def header(name, flag, size):
    b = bytearray(512)
    n = name.encode()
    b[0:len(n)] = n
    b[100:108] = b'0000644\\0'
    b[124:136] = ('%011o' % size).encode() + b'\\0'
    b[136:148] = b'14000000000\\0'
    b[156:157] = flag.encode()
    b[257:265] = b'ustar\\x0000'
    return bytes(b)
names = [n for n in sys.stdin.buffer.read().split(b'\\0') if n]
chunk = b'a' * (1 << 20)
try:
    if sys.argv[1] == 'pax':
        out.write(header('PaxHeaders/x', 'x', 100 << 20))
        for _ in range(100): out.write(chunk)
    else:
        out.write(header(names[0].decode(), '0', 128 << 20))
        for _ in range(128): out.write(chunk)
    out.write(b'\\0' * 1024)
    out.flush()
except BrokenPipeError:
    pass
`;

/**
 * \`find\` and \`tar\` as a hostile server runs them, for the harness's shell user only and only in
 * this test's site folders (anywhere else they are the real ones): on PATH through the user's
 * ~/.bashrc, which bash reads for commands run over SSH.
 */
async function installHostileTools(): Promise<void> {
  const shell = harness.sshd!.shell;
  fakeBin = join(shell.home, `sv-hostile-bin-${process.pid}`);
  await mkdir(fakeBin, { recursive: true });
  await writeFile(join(fakeBin, 'hostile_tar.py'), HOSTILE_TAR);
  const find = [
    '#!/bin/sh',
    'case "$PWD" in',
    // Six NUL-terminated fields per record, forever.
    "  */endless-find-records) yes 'f|644|10|1700000000.0|x|' | tr -d '\\n' | tr '|' '\\000'; exit 0 ;;",
    '  */endless-find-yes) exec yes ;;',
    'esac',
    'exec /usr/bin/find "$@"',
    '',
  ];
  await writeFile(join(fakeBin, 'find'), find.join('\n'));
  await writeFile(
    join(fakeBin, 'tar'),
    `#!/bin/sh\ncase "$PWD" in\n  */hostile-tar-pax) exec python3 ${fakeBin}/hostile_tar.py pax ;;\n  */hostile-tar-grown) exec python3 ${fakeBin}/hostile_tar.py grown ;;\nesac\nexec /usr/bin/tar "$@"\n`,
  );
  await chmod(join(fakeBin, 'find'), 0o755);
  await chmod(join(fakeBin, 'tar'), 0o755);
  const ids = await userIds(shell.username);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, fakeBin]);
  bashrc = join(shell.home, '.bashrc');
  bashrcBefore = await readFile(bashrc, 'utf8').catch(() => null);
  await writeFile(bashrc, `PATH=${fakeBin}:$PATH\n${bashrcBefore ?? ''}`);
  await run('chown', [`${ids.uid}:${ids.gid}`, bashrc]);
}

/** A small site in the shell user's home, added to SiteVault under `name`. */
async function shellSite(folder: string, name: string, files: Record<string, string>): Promise<void> {
  const dir = join(harness.sshd!.shell.home, 'sites', folder);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  const ids = await userIds(harness.sshd!.shell.username);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${dir}`;
  expect((await sv(['site', 'add', name, '--url', url, '--identity', harness.sshd!.shell.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
}

/** 50 MB of wp-config.php: the settings a real one has, then padding. */
async function hugeWpConfig(path: string, owner: string): Promise<void> {
  const head = Buffer.from("<?php\ndefine('DB_NAME', 'wp');\ndefine('DB_USER', 'wp');\ndefine('DB_PASSWORD', 'x');\ndefine('DB_HOST', '127.0.0.1');\n/*");
  await writeFile(path, Buffer.concat([head, Buffer.alloc(50 * 1000 * 1000 - head.length, 0x20)]));
  const ids = await userIds(owner);
  await run('chown', [`${ids.uid}:${ids.gid}`, path]);
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-memory-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-memory-work-'));
  repo = join(work, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
  // The same process opening the repository: what every command costs before any site work.
  baseline = peakRss((await sv(['snapshots', '--repo', repo, '--json'], MEASURE)).stderr);
  expect(baseline).toBeGreaterThan(0);
  await installHostileTools();
});
afterAll(async () => {
  await serve?.stop();
  if (bashrc) {
    if (bashrcBefore === null) await unlink(bashrc).catch(() => {});
    else await writeFile(bashrc, bashrcBefore);
  }
  if (fakeBin) await rm(fakeBin, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('a hostile site server cannot exhaust memory', () => {
  it('a tar stream with a 100 MB pax header fails the backup with TOO_LARGE, naming the server', async () => {
    await shellSite('hostile-tar-pax', 'Hostile Pax', { 'index.php': '<?php' });
    const result = await sv(['backup', '--repo', repo, '--site', 'Hostile Pax'], MEASURE);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `The server at sftp://${harness.sshd!.shell.username}@127\\.0\\.0\\.1:\\d+/.*hostile-tar-pax sent a tar stream with a pax header of 100 MiB, more than the 1 MiB SiteVault reads; no snapshot was written\\..* \\[TOO_LARGE\\]`,
      ),
    );
    expect(peakRss(result.stderr) - baseline).toBeLessThan(64 * MIB);
  });

  it('a tar entry far larger than listed is stored as it streams, never held whole, and named in a warning', { timeout: 180_000 }, async () => {
    await shellSite('hostile-tar-grown', 'Hostile Grown', { 'small.txt': 'ten bytes!' });
    const result = await sv(['backup', '--repo', repo, '--site', 'Hostile Grown', '--json'], MEASURE);
    expect(result.code, result.stderr).toBe(0);
    const backup = JSON.parse(result.stdout);
    expect(backup.warnings).toEqual([{ path: 'small.txt', message: 'changed while being read (listed 10 bytes, read 134217728)' }]);
    // Holding the entry would take 128 MiB, twice with the copy that joins it; streaming takes
    // what any large file does (the chunker's window and the packs being sealed).
    expect(peakRss(result.stderr) - baseline).toBeLessThan(128 * MIB);
  });

  it('an endless find (NUL-separated records without end) stops at 2,000,000 entries with TOO_LARGE', async () => {
    await shellSite('endless-find-records', 'Endless Find', { 'index.php': '<?php' });
    const result = await sv(['backup', '--repo', repo, '--site', 'Endless Find'], MEASURE);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /The server at sftp:\/\/\S+endless-find-records listed more than 2,000,000 files and folders for \S+; SiteVault stops there rather than run out of memory, and no snapshot was written\..* \[TOO_LARGE\]/,
    );
    // The two million entries it kept until then, and nothing more.
    expect(peakRss(result.stderr) - baseline).toBeLessThan(1024 * MIB);
  }, 120_000);

  it('an endless find without a single NUL (yes) stops at the longest type field, 4 KiB', async () => {
    await shellSite('endless-find-yes', 'Endless Yes', { 'index.php': '<?php' });
    const result = await sv(['backup', '--repo', repo, '--site', 'Endless Yes'], MEASURE);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The server at sftp:\/\/\S+endless-find-yes listed a type, mode, size or time field longer than 4 KiB for .*\[TOO_LARGE\]/);
    expect(peakRss(result.stderr) - baseline).toBeLessThan(64 * MIB);
  });

  it('a 50 MB wp-config.php over SFTP fails with TOO_LARGE naming the file and the server', async () => {
    const placed = await placeSite(harness, 'sftp-only', 'huge-config-sftp');
    await hugeWpConfig(join(placed.diskPath, 'wp-config.php'), harness.sshd!.sftp.username);
    const url = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Huge Config SFTP', '--url', url, '--identity', harness.sshd!.sftp.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint])).code).toBe(0);
    const result = await sv(['backup', '--repo', repo, '--site', 'Huge Config SFTP'], MEASURE);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`wp-config\\.php on sftp://${harness.sshd!.sftp.username}@127\\.0\\.0\\.1:\\d+/public_html/huge-config-sftp is larger than 1 MiB.*\\[TOO_LARGE\\]`));
    expect(peakRss(result.stderr) - baseline).toBeLessThan(40 * MIB);
  });

  it('a 50 MB wp-config.php on the FTP server fails the job with TOO_LARGE; the app keeps running, its memory bounded', async () => {
    const placed = await placeSite(harness, 'ftp', 'huge-config-ftp');
    await hugeWpConfig(join(placed.diskPath, 'wp-config.php'), FTP_SYSTEM_USER);
    const vault = join(work, 'vault');
    expect((await sv(['destination', 'add', 'Vault', '--url', vault, '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
    expect((await sv(['init', '--repo', 'Vault'])).code).toBe(0);
    const url = `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Huge Config FTP', '--url', url, '--password-env', 'FTP_PASSWORD', '--destination', 'Vault'])).code).toBe(0);
    serve = await startServe(env());
    type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const call = async (name: string, input: unknown): Promise<Json> => {
      const response = await fetch(`${serve!.origin}/api/call/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const envelope = (await response.json()) as { ok: boolean; result: Json; error?: { code: string; message: string } };
      if (!envelope.ok) throw new Error(`${name}: ${envelope.error!.code}: ${envelope.error!.message}`);
      return envelope.result;
    };
    // Opening the repository (its scrypt alone takes 64 MiB) is in the baseline.
    await call('repo:snapshots', { destination: 'Vault' });
    const before = peakRssMiB(serve.child.pid!);
    const { jobId } = await call('backup:run', { site: 'Huge Config FTP' });
    let job: Json;
    for (;;) {
      job = (await call('job:list', {})).jobs.find((j: { id: string }) => j.id === jobId);
      if (job && !['queued', 'running'].includes(job.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('TOO_LARGE');
    expect(job.error.message).toMatch(new RegExp(`^wp-config\\.php on ftp://${harness.ftpd!.username}@127\\.0\\.0\\.1:\\d+/public_html/huge-config-ftp is larger than 1 MiB`));
    // The server is still up and answers; reading the file whole would have cost 50 MB and more.
    expect((await call('app:info', {})).version).toBeTruthy();
    expect(serve.child.exitCode).toBeNull();
    expect(peakRssMiB(serve.child.pid!) - before).toBeLessThan(40);
  });
});

describe('a hostile storage host cannot exhaust memory', () => {
  /** Rewrites the repository's one key file with other scrypt parameters (its name is its hash). */
  async function rewriteKey(path: string, kdf: { N: number; r: number; p: number }): Promise<void> {
    const keys = join(path, 'keys');
    for (const name of await readdir(keys)) {
      const file = JSON.parse(await readFile(join(keys, name), 'utf8'));
      const bytes = Buffer.from(JSON.stringify({ ...file, kdf: { ...file.kdf, ...kdf } }));
      await rm(join(keys, name));
      await writeFile(join(keys, createHash('sha256').update(bytes).digest('hex')), bytes);
    }
  }

  it.each([
    [{ N: 2 ** 30, r: 8, p: 1 }, /asks for scrypt with N=2\^30, r=8, p=1: N must be a power of two from 2 to 2\^20/],
    [{ N: 2 ** 20, r: 8, p: 1 }, /asks for scrypt with N=2\^20, r=8, p=1, which needs 1,024 MiB of memory, more than the 256 MiB SiteVault allows/],
  ])('a key file asking for scrypt %j is not run: a clear error, no crash, memory bounded', async (kdf, problem) => {
    const path = join(work, `repo-kdf-${kdf.N}`);
    expect((await sv(['init', '--repo', path])).code).toBe(0);
    await rewriteKey(path, kdf);
    const result = await sv(['snapshots', '--repo', path], MEASURE);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sitevault snapshots: No key of the repository at .* opens with the passphrase given, and one key file was not tried: keys\/[0-9a-f]{64} /);
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toMatch(/the repository's storage may have been tampered with\. \[TOO_LARGE\]/);
    expect(peakRss(result.stderr)).toBeLessThan(baseline + 32 * MIB);
  });
});
