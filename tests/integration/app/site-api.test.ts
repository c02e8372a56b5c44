import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

const exec = promisify(execFile);
let harness: HarnessInfo;
let home: string;
let work: string;
let serve: ServeProcess;
let placed: PlacedSite;
const passphrase = `api repo pass ${Date.now()}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Envelope = { ok: boolean; result?: any; error?: { code: string; message: string } };
const call = async (name: string, input: unknown): Promise<Envelope> => {
  const response = await fetch(`${serve.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return response.json() as Promise<Envelope>;
};
const ok = async (name: string, input: unknown) => {
  const envelope = await call(name, input);
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error!.code}: ${envelope.error!.message}`);
  return envelope.result;
};
const jobDone = async (jobId: string) => {
  for (let i = 0; i < 600; i++) {
    const job = (await ok('job:list', {})).jobs.find((j: { id: string }) => j.id === jobId);
    if (job.status !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} did not finish`);
};

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-api-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-api-work-'));
  placed = await placeSite(harness, 'ssh-shell', 'api-site');
  serve = await startServe({ ...process.env, SITEVAULT_HOME: home });
});
afterAll(async () => {
  await serve?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('the service API the screens use: sites, backups, browsing, restores, downloads', () => {
  // The site's folder relative to the login's home (/~/…), as the wizard writes it by default.
  const url = () => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}/~/${placed.remotePath.replace(`${harness.sshd!.shell.home}/`, '')}`;
  let snapshot: string;

  it('identifies the server for the user to confirm, and saves a destination and a site without leaking a secret', async () => {
    const seen = await ok('server:identify', { url: url() });
    expect(seen).toEqual({ kind: 'ssh-host-key', fingerprint: harness.sshd!.hostKeyFingerprint, trustedBy: [] });
    const unconfirmed = await call('server:folders', { url: url(), password: harness.sshd!.shell.password });
    expect(unconfirmed.error?.code).toBe('HOST_KEY_UNKNOWN');
    const homeListing = await ok('server:folders', { url: url(), password: harness.sshd!.shell.password, hostKey: seen.fingerprint });
    expect(homeListing).toMatchObject({ path: harness.sshd!.shell.home, wordpress: false });
    expect(homeListing.folders).toContain('sites');
    const site = await ok('server:folders', { url: url(), password: harness.sshd!.shell.password, hostKey: seen.fingerprint, path: placed.remotePath });
    expect(site).toMatchObject({ path: placed.remotePath, wordpress: true });
    expect(site.folders).toEqual(expect.arrayContaining(['wp-admin', 'wp-content', 'wp-includes']));
    const dest = await ok('destination:save', { name: 'Local', url: join(work, 'repo'), passphrase });
    expect(dest).toMatchObject({ created: true, destination: { name: 'Local', hasPassphrase: true } });
    const tooLong = await call('site:save', { name: 'x'.repeat(41), url: url(), destination: 'Local' });
    expect(tooLong.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(tooLong.error!.message).toContain('at most 40 characters');
    const saved = await ok('site:save', { name: 'API Site', url: url(), hostKey: seen.fingerprint, destination: 'Local', password: harness.sshd!.shell.password });
    expect(saved.site).toMatchObject({ name: 'API Site', destination: 'Local', hasPassword: true });
    const listed = await ok('site:list', {});
    expect(JSON.stringify(listed)).not.toContain(harness.sshd!.shell.password);
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(harness.sshd!.shell.password);
    expect(settings).not.toContain(passphrase);
    const report = await ok('site:test', { name: 'API Site' });
    expect(report).toMatchObject({ shell: true, wordpress: true, database: { name: placed.database, reachable: true } });
  });

  it('backs up as a job whose result names the snapshot, which the history lists', async () => {
    const { jobId } = await ok('backup:run', { site: 'API Site' });
    const job = await jobDone(jobId);
    expect(job).toMatchObject({ status: 'succeeded', kind: 'backup' });
    const log = job.log.map((line: { message: string }) => line.message);
    expect(log.slice(0, 2)).toEqual(['queued', 'started']);
    expect(log).toContain('reading back what was written');
    expect(log.at(-1)).toBe('succeeded');
    expect(log.length).toBeGreaterThan(2);
    snapshot = job.result.snapshot;
    expect(job.result.verified).toMatchObject({ problems: [] });
    expect(job.result.verified.packsRead).toBeGreaterThan(0);
    const { snapshots } = await ok('repo:snapshots', { destination: 'Local', site: 'API Site' });
    expect(snapshots.map((s: { id: string }) => s.id)).toEqual([snapshot]);
    expect(snapshots[0].kind).toBe('both');
  });

  it('browses a snapshot one folder at a time and previews a text file', async () => {
    const root = await ok('snapshot:browse', { destination: 'Local', snapshot, path: '' });
    expect(root.entries.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['wp-config.php', 'wp-content', '.sitevault']));
    const content = await ok('snapshot:browse', { destination: 'Local', snapshot, path: 'wp-content' });
    expect(content.entries.every((e: { path: string }) => e.path.startsWith('wp-content/'))).toBe(true);
    const preview = await ok('snapshot:preview', { destination: 'Local', snapshot, path: 'wp-config.php' });
    expect(preview).toMatchObject({ binary: false, truncated: false });
    expect(preview.text).toContain(`define( 'DB_NAME', '${placed.database}' );`);
  });

  it('previews and runs a restore as a job; its report carries the safety snapshot', async () => {
    const before = await describeTree(placed.diskPath);
    await appendFile(join(placed.diskPath, 'index.php'), '\n// damaged');
    await writeFile(join(placed.diskPath, 'intruder.php'), 'x');
    const preview = await ok('restore:preview', { site: 'API Site', destination: 'Local', snapshot, scope: 'files', mirror: true });
    expect(preview.upload.map((u: { path: string }) => u.path)).toEqual(['index.php']);
    expect(preview.extra).toEqual(['intruder.php']);
    const { jobId } = await ok('restore:run', { site: 'API Site', destination: 'Local', snapshot, scope: 'files', mirror: true });
    const job = await jobDone(jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ complete: true, failed: [] });
    expect(job.result.safetySnapshot).toMatch(/^[0-9a-f]{64}$/);
    // What the command line prints as the restore goes is in the job's log for the Activity screen.
    expect(job.log.map((line: { message: string }) => line.message)).toContainEqual(`Safety snapshot ${job.result.safetySnapshot.slice(0, 8)} of API Site taken; restoring it undoes this restore.`);
    const now = await describeTree(placed.diskPath);
    expect(now['index.php']).toBe(before['index.php']);
    expect(now['intruder.php']).toBeUndefined();
  });

  it('compares snapshots, searches names across them, and lists the versions of one file', async () => {
    const { snapshots } = await ok('repo:snapshots', { destination: 'Local', site: 'API Site' });
    const safety = snapshots.find((s: { tags: string[] }) => s.tags.includes('safety')).id;
    const diff = await ok('snapshot:diff', { destination: 'Local', from: snapshot, to: safety });
    // The safety snapshot of a files-only restore holds no dump.
    expect(diff).toMatchObject({ added: ['intruder.php'], removed: ['.sitevault', '.sitevault/database.sql'], truncated: false });
    expect(diff.changed).toContain('index.php');
    const search = await ok('snapshot:search', { destination: 'Local', site: 'API Site', query: 'WP-CONFIG' });
    expect(
      search.matches
        .filter((m: { path: string }) => m.path === 'wp-config.php')
        .map((m: { snapshot: string }) => m.snapshot)
        .sort(),
    ).toEqual([snapshot, safety].sort());
    const inOne = await ok('snapshot:search', { destination: 'Local', snapshot, query: 'intruder' });
    expect(inOne.matches).toEqual([]);
    const history = await ok('file:history', { destination: 'Local', site: 'API Site', path: 'index.php' });
    expect(history.versions.map((v: { snapshot: string; changed: boolean }) => [v.snapshot, v.changed])).toEqual([
      [safety, true],
      [snapshot, true],
    ]);
    const config = await ok('file:history', { destination: 'Local', site: 'API Site', path: 'wp-config.php' });
    expect(config.versions.map((v: { changed: boolean }) => v.changed)).toEqual([false, true]);
  });

  it('restores a snapshot into a folder given as a full path, as a job', async () => {
    const relative = await call('restore:toFolder', { destination: 'Local', snapshot, folder: 'relative/path' });
    expect(relative.error).toMatchObject({ code: 'BAD_REQUEST' });
    const folder = join(work, 'into-folder');
    const started = await ok('restore:toFolder', { destination: 'Local', snapshot, paths: ['wp-content'], folder });
    const job = await jobDone(started.jobId);
    expect(job).toMatchObject({ status: 'succeeded', result: { folder, failed: [] } });
    const tree = await describeTree(folder);
    expect(Object.keys(tree).every((p) => p.startsWith('wp-content'))).toBe(true);
    expect(tree['wp-content/index.php']).toBe((await describeTree(placed.diskPath))['wp-content/index.php']);
  });

  it('changes a repository passphrase only when the current one is given, and keeps the keychain in step', async () => {
    const wrong = await call('destination:changePassphrase', { name: 'Local', current: 'not it at all', next: 'a brand new passphrase' });
    expect(wrong.error?.code).toBe('AUTH_FAILED');
    expect(JSON.stringify(wrong)).not.toContain('not it at all');
    await ok('destination:changePassphrase', { name: 'Local', current: passphrase, next: 'a brand new passphrase' });
    const { snapshots } = await ok('repo:snapshots', { destination: 'Local', site: 'API Site' });
    expect(snapshots.length).toBeGreaterThan(0);
    const old = await call('destination:changePassphrase', { name: 'Local', current: passphrase, next: 'yet another passphrase' });
    expect(old.error?.code).toBe('AUTH_FAILED');
  });

  it('previews what the retention policy keeps and removes', async () => {
    const plan = await ok('retention:preview', { site: 'API Site' });
    expect(plan.remove).toEqual([]);
    const reasons = Object.fromEntries(plan.keep.map((k: { id: string; reasons: string[] }) => [k.id, k.reasons]));
    expect(reasons[snapshot]).toEqual(expect.arrayContaining(['daily', 'monthly', 'yearly']));
    expect(Object.values(reasons)).toContainEqual(['safety snapshot (kept 30 days)']);
  });

  it('hands out a one-time download link that streams a .zip the standard unzip reads, named after the site and the snapshot’s date', async () => {
    const { snapshots } = await ok('repo:snapshots', { destination: 'Local', site: 'API Site' });
    const time = new Date(snapshots.find((s: { id: string }) => s.id === snapshot).time);
    const date = `${time.getFullYear()}-${String(time.getMonth() + 1).padStart(2, '0')}-${String(time.getDate()).padStart(2, '0')}`;
    const started = await ok('download:start', { destination: 'Local', snapshot, paths: ['wp-content/themes'], format: 'zip' });
    expect(started).toMatchObject({ jobId: null, fileName: `api-site-${date}-themes.zip` });
    const response = await fetch(`${serve.origin}${started.url}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="api-site-${date}-themes.zip"; filename*=UTF-8''api-site-${date}-themes.zip`);
    await writeFile(join(work, 'themes.zip'), Buffer.from(await response.arrayBuffer()));
    const { stdout } = await exec('unzip', ['-l', join(work, 'themes.zip')]);
    expect(stdout).toMatch(/wp-content\/themes\//);
    expect((await fetch(`${serve.origin}${started.url}`)).status).toBe(404);

    // The database as gzipped SQL, and a single file as it is, under its own name.
    const database = await ok('download:start', { destination: 'Local', snapshot: snapshot.slice(0, 8), databaseOnly: true, format: 'sql.gz' });
    expect(database.fileName).toBe(`api-site-${date}-database.sql.gz`);
    const dump = await fetch(`${serve.origin}${database.url}`);
    expect(dump.headers.get('content-type')).toBe('application/gzip');
    expect(gunzipSync(Buffer.from(await dump.arrayBuffer())).toString('utf8')).toMatch(/CREATE TABLE `wp_options`/);
    const single = await ok('download:start', { destination: 'Local', snapshot, paths: ['wp-config.php'], format: 'file' });
    expect(single.fileName).toBe('wp-config.php');
    const config = await fetch(`${serve.origin}${single.url}`);
    expect(config.headers.get('content-disposition')).toContain('filename="wp-config.php"');
    expect(await config.text()).toBe(await readFile(join(placed.diskPath, 'wp-config.php'), 'utf8'));
    const folderAsFile = await call('download:start', { destination: 'Local', snapshot, paths: ['wp-content'], format: 'file' });
    expect(folderAsFile.error).toMatchObject({ code: 'BAD_REQUEST', message: 'wp-content is not a file; download it as an archive.' });
  });

  it('the command line restores and downloads through the same operations: the same answers and the same refusals', async () => {
    const cli = (args: string[]) => runCli(args, { ...process.env, SITEVAULT_HOME: home });
    // "latest" is the site's latest backup, never the safety snapshot the restore above took.
    const latest = await ok('restore:preview', { site: 'API Site', destination: 'Local', snapshot: 'latest', scope: 'files' });
    expect(latest.snapshot).toBe(snapshot);
    const dryRun = await cli(['restore', '--repo', 'Local', 'latest', '--to-site', 'API Site', '--files-only', '--dry-run', '--json']);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ snapshot, dry_run: true, safety_snapshot: null, preview: { upload: latest.upload, extra: latest.extra } });

    // An address that is not http(s) is refused by the contract, in the same words for the app and the command line.
    const refused = await call('restore:preview', { site: 'API Site', destination: 'Local', snapshot, newUrl: 'ftp://staging.example.com' });
    expect(refused.error).toMatchObject({ code: 'BAD_REQUEST' });
    const badUrl = await cli(['restore', '--repo', 'Local', snapshot, '--to-site', 'API Site', '--new-url', 'ftp://staging.example.com']);
    expect(badUrl.code).toBe(2);
    const reason = /--new-url: (.+)/.exec(badUrl.stderr)?.[1];
    expect(reason).toBeTruthy();
    expect(refused.error!.message).toContain(reason);

    // Without a safety snapshot, into the saved destination with its passphrase from the keychain.
    await appendFile(join(placed.diskPath, 'index.php'), '\n// damaged again');
    const restored = await cli(['restore', '--repo', 'Local', snapshot, '--to-site', 'API Site', '--files-only', '--no-safety-snapshot', '--json']);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ complete: true, safety_snapshot: null, written: { files: 1 } });
    const { snapshots } = await ok('repo:snapshots', { destination: 'Local', site: 'API Site' });
    expect(snapshots.filter((s: { tags: string[] }) => s.tags.includes('safety'))).toHaveLength(1);

    const out = join(work, 'themes-cli.zip');
    const downloaded = await cli(['download', '--repo', 'Local', snapshot, '--path', 'wp-content/themes', '--out', out, '--json']);
    expect(downloaded.code).toBe(0);
    expect(JSON.parse(downloaded.stdout)).toMatchObject({ snapshot, out, format: 'zip' });
    const { stdout } = await exec('unzip', ['-Z1', out]);
    expect(stdout).toBe((await exec('unzip', ['-Z1', join(work, 'themes.zip')])).stdout);
  });
});
