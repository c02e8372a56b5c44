import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { rootSql } from '../../harness/mariadb';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { receivedMail } from '../../harness/smtpd';

let harness: HarnessInfo;
let home: string;
let work: string;
let serve: ServeProcess | null = null;
const PASS = 'automation passphrase';
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  REPO_PASS: PASS,
  SHELL_PASSWORD: harness.sshd!.shell.password,
  SFTP_PASSWORD: harness.sshd!.sftp.password,
  FTP_PASSWORD: harness.ftpd!.password,
  ...extra,
});
const { sv, json } = cliWith(env);
const DAY = 86_400_000;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(name: string, input: unknown): Promise<Json> {
  const response = await fetch(`${serve!.origin}/api/call/${name}`, { method: 'POST', headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const envelope = (await response.json()) as { ok: boolean; result: Json; error?: { code: string; message: string } };
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error!.code}: ${envelope.error!.message}`);
  return envelope.result;
}
async function jobDone(id: string, timeoutMs = 120_000): Promise<Json> {
  for (const started = Date.now(); Date.now() - started < timeoutMs;) {
    const job = (await call('job:list', {})).jobs.find((j: { id: string }) => j.id === id);
    if (job && !['queued', 'running'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}
const runDue = async (now: Date) => {
  const result = await sv(['run-due', '--now', now.toISOString(), '--json']);
  if (!result.stdout.trim()) throw new Error(`run-due printed nothing (${result.code}): ${result.stderr}`);
  return { code: result.code, report: JSON.parse(result.stdout) as Json };
};
const ftpUrl = (path: string) => `ftp://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/backups/${path}`;
const siteUrl = (placed: PlacedSite) => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;

async function addSite(name: string, placed: PlacedSite, destination: string, extra: string[] = []): Promise<void> {
  const result = await sv(['site', 'add', name, '--url', siteUrl(placed), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', destination, ...extra]);
  expect(result.code, result.stderr).toBe(0);
}

async function addLocalDestination(name: string): Promise<string> {
  const path = join(work, name);
  expect((await sv(['destination', 'add', name, '--url', path, '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
  expect((await sv(['init', '--repo', name], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
  return path;
}

async function packFiles(repo: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of await readdir(join(repo, 'data')).catch(() => [] as string[])) {
    for (const name of await readdir(join(repo, 'data', dir))) if (/^[0-9a-f]{64}$/.test(name)) out.push(join(repo, 'data', dir, name));
  }
  return out.sort();
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-auto-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-auto-work-'));
});
afterEach(async () => {
  await serve?.stop();
  serve = null;
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('automation: replication, verification, alerts, the job queue', () => {
  it('copies each new snapshot to the second destination, which restores on its own', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'rep-site');
    const primary = await addLocalDestination('Primary');
    const offsite = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}/backups/offsite-${Date.now()}`;
    // The second repository has its own passphrase, kept in the keychain with its destination.
    expect(
      (
        await sv(['destination', 'add', 'Offsite', '--url', offsite, '--password-env', 'SFTP_PASSWORD', '--passphrase-env', 'OFFSITE_PASS', '--host-key', harness.sshd!.hostKeyFingerprint], {
          OFFSITE_PASS: 'another passphrase for offsite',
        })
      ).code,
    ).toBe(0);
    expect((await sv(['init', '--repo', 'Offsite'], { SITEVAULT_PASSPHRASE: 'another passphrase for offsite' })).code).toBe(0);
    expect(
      (await sv(['site', 'add', 'Same Place', '--url', siteUrl(placed), '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Primary', '--copy-to', 'Primary']))
        .stderr,
    ).toMatch(/another destination/);
    await addSite('Rep Site', placed, 'Primary', ['--copy-to', 'Offsite']);

    const now = new Date(Date.now() - 2 * DAY);
    const { code, report } = await runDue(now);
    expect(code, JSON.stringify(report)).toBe(0);
    const [run] = report.runs;
    expect(run).toMatchObject({ site: 'Rep Site', status: 'succeeded', report: { replication: { destination: 'Offsite', copied: 1, error: null }, verified: { problems: [] } } });
    expect(run.report.verified.packsRead).toBeGreaterThan(0);

    // The history shows which snapshots are on which destination.
    serve = await startServe(env());
    expect(await call('snapshot:copies', { site: 'Rep Site' })).toEqual({ copyTo: 'Offsite', copies: [run.snapshot], error: null });
    await serve.stop();
    serve = null;

    const fromPrimary = join(work, 'from-primary');
    expect((await sv(['restore', '--repo', 'Primary', 'latest', '--target', fromPrimary], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
    // The first destination is lost: the copy alone brings the site back, with its database dump.
    await rm(primary, { recursive: true, force: true });
    const fromOffsite = join(work, 'from-offsite');
    const restored = await sv(['restore', '--repo', 'Offsite', 'latest', '--target', fromOffsite], { SITEVAULT_PASSPHRASE: 'another passphrase for offsite' });
    expect(restored.code, restored.stderr).toBe(0);
    const tree = await describeTree(fromOffsite);
    expect(tree).toEqual(await describeTree(fromPrimary));
    expect(Object.keys(tree)).toContain('.sitevault/database.sql');
    expect(await readFile(join(fromOffsite, 'wp-config.php'), 'utf8')).toBe(await readFile(join(placed.diskPath, 'wp-config.php'), 'utf8'));
    expect((await sv(['check', '--repo', 'Offsite', '--read-data'], { SITEVAULT_PASSPHRASE: 'another passphrase for offsite' })).code).toBe(0);
  }, 180_000);

  it('copies once a day at its own time when the site is set so, not after each backup', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'daily-copy');
    await addLocalDestination('Daily Source');
    await addLocalDestination('Daily Copy');
    const add = await sv([
      'site',
      'add',
      'Daily Copy Site',
      '--url',
      siteUrl(placed),
      '--password-env',
      'SHELL_PASSWORD',
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
      '--destination',
      'Daily Source',
      '--copy-to',
      'Daily Copy',
      '--copy-daily-at',
      '04:00',
      '--files-at',
      '02:00',
      '--db-every-hours',
      '1',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const day = new Date(Date.now() - 3 * DAY);
    const local = (hours: number, minutes = 0) => new Date(day.getFullYear(), day.getMonth(), day.getDate(), hours, minutes);
    const onlyThisSite = (report: Json) => ({ runs: report.runs.filter((r: Json) => r.site === 'Daily Copy Site'), copies: report.copies.filter((c: Json) => c.site === 'Daily Copy Site') });
    // Never copied: the first copy follows the first backup at once.
    const first = onlyThisSite((await runDue(local(3))).report);
    expect(first.runs).toMatchObject([{ status: 'succeeded', report: { replication: null } }]);
    expect(first.copies).toEqual([{ site: 'Daily Copy Site', destination: 'Daily Copy', status: 'succeeded', copied: 1, error: null }]);
    // A database backup at 03:30 is not copied until 04:00.
    const between = onlyThisSite((await runDue(local(3, 30))).report);
    expect(between.runs).toEqual([]);
    const atFour = onlyThisSite((await runDue(local(4, 0))).report);
    expect(atFour.runs).toMatchObject([{ kind: 'database', status: 'succeeded', report: { replication: null } }]);
    expect(atFour.copies).toMatchObject([{ status: 'succeeded', copied: 1 }]);
    const atFive = onlyThisSite((await runDue(local(5, 0))).report);
    expect(atFive.runs).toMatchObject([{ kind: 'database', status: 'succeeded' }]);
    expect(atFive.copies).toEqual([]);
    // The site's policy runs on the copy too: one per day is kept there, the 04:00 one.
    const copies = await json(['snapshots', '--repo', 'Daily Copy', '--json'], { SITEVAULT_PASSPHRASE: PASS });
    expect(copies.map((c: Json) => c.original)).toEqual([atFour.runs[0].snapshot]);
    await sv(['site', 'remove', 'Daily Copy Site']);
  }, 180_000);

  it('the scheduled check finds a corrupted pack, fails with the pack named, and the email report says so', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'checked-site');
    const repo = await addLocalDestination('Checked');
    await addSite('Checked Site', placed, 'Checked');
    const smtp = harness.smtpd!;
    serve = await startServe(env());
    await call('preferences:set', { verification: { sampleAfterBackup: true, checkEveryDays: 7, readDataPercent: 100 } });
    const email = {
      enabled: true,
      host: smtp.host,
      port: smtp.port,
      security: 'starttls',
      user: smtp.username,
      from: 'sitevault@example.test',
      to: 'agency@example.test',
      send: 'problems',
      caFile: smtp.caFile,
    };
    expect(await call('email:save', { ...email, password: 'wrong password' })).toMatchObject({ hasPassword: true });
    await expect(call('email:test', {})).rejects.toThrow(/could not be sent.*(535|auth)/i);
    await call('email:save', { ...email, password: smtp.password });
    expect(await call('email:test', {})).toEqual({ sent: true });
    const before = (await receivedMail(smtp)).length;
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(smtp.password);
    expect(settings).not.toContain('wrong password');
    await serve.stop();
    serve = null;

    const first = await runDue(new Date(Date.now() - 16 * DAY));
    expect(first.code, JSON.stringify(first.report)).toBe(0);
    expect(first.report.checks).toMatchObject([{ destination: 'Checked', ok: true, problems: [] }]);
    expect(first.report.email).toBe('nothing to send');

    // One flipped byte in the middle of the biggest pack.
    const packs = await packFiles(repo);
    const sizes = await Promise.all(packs.map(async (p) => (await stat(p)).size));
    const victim = packs[sizes.indexOf(Math.max(...sizes))]!;
    const bytes = await readFile(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    await writeFile(victim, bytes);
    const packId = victim.split('/').pop()!;

    const second = await runDue(new Date(Date.now() - 8 * DAY));
    expect(second.code).toBe(1);
    // The backup itself succeeds: its read-back sample covers only the packs it wrote.
    expect(second.report.runs).toMatchObject([{ site: 'Checked Site', status: 'succeeded' }]);
    expect(second.report.checks).toHaveLength(1);
    expect(second.report.checks[0].ok).toBe(false);
    expect(second.report.checks[0].problems.join('\n')).toContain(packId);
    expect(second.report.email).toBe('sent');
    const mail = (await receivedMail(smtp)).slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatch(/Subject: SiteVault: damage found in Checked/);
    expect(mail[0]).toContain(packId.slice(0, 12));
    expect(mail[0]).toMatch(/X-Authenticated-As: reports/);
    expect(mail[0]).not.toContain(smtp.password);

    // In the app, the check is a job that fails with DAMAGE_FOUND: the desktop shell notifies it.
    serve = await startServe(env({ SITEVAULT_SCHEDULER: 'on', SITEVAULT_SCHEDULER_START_MS: '200' }));
    let check: Json;
    for (let i = 0; i < 600 && !(check && ['failed', 'succeeded'].includes(check.status)); i++) {
      check = (await call('job:list', {})).jobs.find((j: { title: string }) => j.title === 'Scheduled check of Checked');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(check).toMatchObject({ kind: 'verify', status: 'failed', error: { code: 'DAMAGE_FOUND' } });
    expect(check.error.message).toContain(packId);
    const { verifications } = await call('verify:history', { destination: 'Checked' });
    expect(verifications[0]).toMatchObject({ kind: 'scheduled-check', ok: false });
    expect(verifications.some((v: { kind: string; ok: boolean }) => v.kind === 'after-backup' && v.ok)).toBe(true);
  }, 240_000);

  it('a test restore compares every file with the snapshot, reports damage, and is kept in the history', async () => {
    serve = await startServe(env());
    const good = await jobDone((await call('verify:testRestore', { destination: 'Offsite', snapshot: 'latest' })).jobId);
    expect(good).toMatchObject({ status: 'succeeded', result: { problems: [] } });
    expect(good.result.files).toBeGreaterThan(10);
    expect(good.result.bytes).toBeGreaterThan(0);
    // Every snapshot in Checked shares the pack damaged above.
    const bad = await jobDone((await call('verify:testRestore', { destination: 'Checked', snapshot: 'latest' })).jobId);
    expect(bad).toMatchObject({ status: 'failed', error: { code: 'DAMAGE_FOUND' } });
    expect(bad.result.problems.length).toBeGreaterThan(0);
    expect(bad.result.problems[0]).toMatch(/not restored|differs/);
    const offsite = (await call('verify:history', { destination: 'Offsite' })).verifications;
    expect(offsite[0]).toMatchObject({ kind: 'test-restore', ok: true, snapshot: good.result.snapshot });
    const checked = (await call('verify:history', { destination: 'Checked' })).verifications;
    expect(checked[0]).toMatchObject({ kind: 'test-restore', ok: false });
  }, 240_000);

  it("a test restore imports the dump into the site's scratch database, never into the live one", async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'scratch-site');
    await addLocalDestination('Scratch');
    const scratch = 'wp_scratch_test_restore';
    await rootSql(harness.mariadb!, `DROP DATABASE IF EXISTS ${scratch}; CREATE DATABASE ${scratch};`);
    await addSite('Scratch Site', placed, 'Scratch', ['--scratch-db', scratch]);
    await addSite('Live Scratch', placed, 'Scratch', ['--scratch-db', placed.database]);
    serve = await startServe(env());
    expect(await jobDone((await call('backup:run', { site: 'Scratch Site' })).jobId)).toMatchObject({ status: 'succeeded' });
    const test = await jobDone((await call('verify:testRestore', { destination: 'Scratch', snapshot: 'latest' })).jobId);
    expect(test).toMatchObject({ status: 'succeeded', result: { problems: [], database: { imported: true } } });
    const live = (await rootSql(harness.mariadb!, 'SHOW TABLES', placed.database)).trim().split('\n').sort();
    expect((await rootSql(harness.mariadb!, 'SHOW TABLES', scratch)).trim().split('\n').sort()).toEqual(live);
    expect(test.result.database.tables).toBe(live.length);
    const count = 'SELECT COUNT(*), MAX(option_id) FROM wp_options';
    expect(await rootSql(harness.mariadb!, count, scratch)).toBe(await rootSql(harness.mariadb!, count, placed.database));
    expect((await call('verify:history', { destination: 'Scratch' })).verifications[0].summary).toContain(`imported into the scratch database: ${live.length} tables`);

    // A scratch database that is the site's own is refused: the live data is never overwritten.
    expect(await jobDone((await call('backup:run', { site: 'Live Scratch' })).jobId)).toMatchObject({ status: 'succeeded' });
    const refused = await jobDone((await call('verify:testRestore', { destination: 'Scratch', snapshot: 'latest' })).jobId);
    expect(refused).toMatchObject({ status: 'failed', result: { database: { imported: false } } });
    expect(refused.result.database.message).toMatch(/cannot be the site's own database/);
  }, 240_000);

  it('the queue holds: one job per site, the global maximum, and the destination connections across jobs', async () => {
    const [q1, q2] = await Promise.all([placeSite(harness, 'ssh-shell', 'queue-one', { scale: 0.02 }), placeSite(harness, 'ssh-shell', 'queue-two', { scale: 0.02 })]);
    expect((await sv(['destination', 'add', 'Ftp', '--url', ftpUrl(`queue-${Date.now()}`), '--password-env', 'FTP_PASSWORD', '--passphrase-env', 'REPO_PASS', '--max-connections', '2'])).code).toBe(0);
    expect((await sv(['init', '--repo', 'Ftp'], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
    await addSite('Queue One', q1, 'Ftp');
    await addSite('Queue Two', q2, 'Ftp');
    serve = await startServe(env());
    await call('preferences:set', { maxConcurrentJobs: 2 });
    const ids = [(await call('backup:run', { site: 'Queue One' })).jobId, (await call('backup:run', { site: 'Queue One' })).jobId, (await call('backup:run', { site: 'Queue Two' })).jobId];
    let peakJobs = 0;
    let peakConnections = 0;
    let bothSitesAtOnce = false;
    let sameSiteAtOnce = false;
    for (;;) {
      const jobs = (await call('job:list', {})).jobs.filter((j: { id: string }) => ids.includes(j.id));
      const running = jobs.filter((j: { status: string }) => j.status === 'running');
      peakJobs = Math.max(peakJobs, running.length);
      const sites = running.map((j: { site: string }) => j.site);
      if (sites.includes('Queue One') && sites.includes('Queue Two')) bothSitesAtOnce = true;
      if (sites.filter((s: string) => s === 'Queue One').length > 1) sameSiteAtOnce = true;
      const { stdout } = await promisify(execFile)('ss', ['-Htn', 'state', 'established', `( dport = :${harness.ftpd!.port} )`]);
      peakConnections = Math.max(peakConnections, stdout.split('\n').filter(Boolean).length);
      if (jobs.every((j: { status: string }) => !['queued', 'running'].includes(j.status))) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const done = await Promise.all(ids.map((id) => jobDone(id)));
    expect(done.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(sameSiteAtOnce).toBe(false);
    expect(Date.parse(done[1].started)).toBeGreaterThanOrEqual(Date.parse(done[0].finished));
    expect(done[1].log[0].message).toBe('queued');
    expect(bothSitesAtOnce).toBe(true);
    expect(peakJobs).toBe(2);
    // Two jobs on one destination with at most 2 connections: they share them (each alone would open 2).
    expect(peakConnections).toBeGreaterThan(0);
    expect(peakConnections).toBeLessThanOrEqual(2);
  }, 240_000);

  it('a backup interrupted by the app being killed comes back as interrupted and resumes, reusing what it uploaded', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'resume-site', { scale: 0.1 });
    const repo = await addLocalDestination('Resume');
    await addSite('Resume Site', placed, 'Resume');
    serve = await startServe(env());
    const { jobId } = await call('backup:run', { site: 'Resume Site' });
    let uploaded: string[] = [];
    for (let i = 0; i < 1200 && uploaded.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      uploaded = await packFiles(repo);
    }
    expect(uploaded.length).toBeGreaterThan(0);
    serve.child.kill('SIGKILL');
    await new Promise((resolve) => serve!.child.once('exit', resolve));
    serve = null;
    expect(await json(['snapshots', '--repo', 'Resume', '--json'], { SITEVAULT_PASSPHRASE: PASS })).toEqual([]);

    serve = await startServe(env());
    const interrupted = (await call('job:list', {})).jobs.find((j: { id: string }) => j.id === jobId);
    expect(interrupted).toMatchObject({ status: 'interrupted', resumable: true, error: { code: 'INTERRUPTED' }, request: { op: 'backup:run', input: { site: 'Resume Site', scope: 'both' } } });
    const { jobId: resumedId } = await call('job:resume', { id: jobId });
    const resumed = await jobDone(resumedId, 180_000);
    expect(resumed).toMatchObject({ status: 'succeeded', resumedFrom: jobId });
    expect((await call('job:list', {})).jobs.find((j: { id: string }) => j.id === jobId)).toMatchObject({ resumedBy: resumedId, resumable: false });
    await expect(call('job:resume', { id: jobId })).rejects.toThrow(/resumed already/);
    await serve.stop();
    serve = null;

    // Exactly one snapshot, the repository is sound, and the packs uploaded before the kill were
    // taken over by the resumed backup: a prune (which deletes unreferenced packs) keeps them all.
    expect(await json(['snapshots', '--repo', 'Resume', '--json'], { SITEVAULT_PASSPHRASE: PASS })).toHaveLength(1);
    expect((await sv(['prune', '--repo', 'Resume'], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
    const after = new Set(await packFiles(repo));
    expect(uploaded.filter((p) => !after.has(p))).toEqual([]);
    expect((await sv(['check', '--repo', 'Resume', '--read-data'], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
    const target = join(work, 'resumed');
    expect((await sv(['restore', '--repo', 'Resume', 'latest', '--target', target], { SITEVAULT_PASSPHRASE: PASS })).code).toBe(0);
    expect(await readFile(join(target, 'wp-config.php'), 'utf8')).toBe(await readFile(join(placed.diskPath, 'wp-config.php'), 'utf8'));
    const site = await describeTree(placed.diskPath, { mtimes: false });
    const back = await describeTree(target, { mtimes: false });
    const excluded = /^wp-content\/(cache|updraft|ai1wm-backups|backups-dup-lite|backup-db|backupwordpress-[^/]*|uploads\/backwpup-[^/]*|et-cache|litespeed)(\/|$)/;
    const kept = Object.keys(site).filter((path) => !excluded.test(path));
    expect(kept.length).toBeGreaterThan(100);
    for (const path of kept) expect(back[path], path).toBe(site[path]);
  }, 300_000);
});
