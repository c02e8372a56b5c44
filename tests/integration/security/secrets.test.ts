import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { commandLines as processCommandLines } from '../../harness/processes';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let work: string;
let placed: PlacedSite;
let serve: ServeProcess | null = null;
const PASSPHRASE = 'secret repo passphrase 8F3k';
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, REPO_PASS: PASSPHRASE, SHELL_PASSWORD: harness.sshd!.shell.password, ...extra });
const { sv } = cliWith(env);
/** Every response the screens received: what the renderer's state can hold. */
const responses: string[] = [];

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(name: string, input: unknown): Promise<Json> {
  const response = await fetch(`${serve!.origin}/api/call/${name}`, { method: 'POST', headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const text = await response.text();
  responses.push(text);
  const envelope = JSON.parse(text) as { ok: boolean; result: Json; error?: { code: string; message: string } };
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

/** Samples every process's command line on this machine (both ends of every loopback connection). */
function sampleCommandLines(): { stop: () => Promise<Set<string>> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const line of processCommandLines()) seen.add(line.trim());
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-secrets-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-secrets-work-'));
  placed = await placeSite(harness, 'ssh-shell', 'secrets-site', { scale: 0.02 });
});
afterAll(async () => {
  await serve?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('secrets stay secret through a whole run', () => {
  it('no known password appears in settings, catalog, logs, job history, errors, API responses or any command line on either side', async () => {
    const secrets = {
      'the site password': harness.sshd!.shell.password,
      'the database password': harness.mariadb!.wp.password,
      'the repository passphrase': PASSPHRASE,
      'the SMTP password': harness.smtpd!.password,
    };
    const repo = join(work, 'repo');
    expect((await sv(['destination', 'add', 'Vault', '--url', repo, '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
    expect((await sv(['init', '--repo', 'Vault'], { SITEVAULT_PASSPHRASE: PASSPHRASE })).code).toBe(0);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['site', 'add', 'Secret Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Vault'])).code).toBe(0);
    serve = await startServe(env());

    const sampler = sampleCommandLines();
    const smtp = harness.smtpd!;
    await call('email:save', {
      enabled: true,
      host: smtp.host,
      port: smtp.port,
      security: 'starttls',
      user: smtp.username,
      from: 'sv@example.test',
      to: 'me@example.test',
      send: 'problems',
      caFile: smtp.caFile,
      password: smtp.password,
    });
    await call('email:test', {});
    const backup = await jobDone((await call('backup:run', { site: 'Secret Site' })).jobId);
    expect(backup.status).toBe('succeeded');
    const restore = await jobDone((await call('restore:run', { site: 'Secret Site', destination: 'Vault', snapshot: backup.result.snapshot, scope: 'both', paths: [], mirror: false, newUrl: null })).jobId);
    expect(restore.status, JSON.stringify(restore.error)).toBe('succeeded');
    expect((await jobDone((await call('verify:testRestore', { destination: 'Vault', snapshot: 'latest' })).jobId)).status).toBe('succeeded');
    // A failure on purpose: its message must not carry the secret either.
    await call('email:save', {
      enabled: true,
      host: smtp.host,
      port: smtp.port,
      security: 'starttls',
      user: smtp.username,
      from: 'sv@example.test',
      to: 'me@example.test',
      send: 'problems',
      caFile: smtp.caFile,
      password: `${smtp.password}-wrong`,
    });
    await expect(call('email:test', {})).rejects.toThrow(/could not be sent/);
    await call('site:list', {});
    await call('destination:list', {});
    await call('preferences:get', {});
    await call('job:list', {});
    const commandLines = await sampler.stop();
    const serverLog = serve.output();
    await serve.stop();
    serve = null;

    // The sampling saw the work on both sides: the dump and the tar stream on the server, mysql restoring.
    const all = [...commandLines].join('\n');
    expect(all).toMatch(/mysqldump|mariadb-dump/);
    expect(all).toMatch(/\btar\b/);
    expect(all).toMatch(/\bmysql\b|\bmariadb\b/);

    const places: Record<string, string> = {
      'settings.json': await readFile(join(home, 'settings.json'), 'utf8'),
      'catalog.json (job history, verifications)': await readFile(join(home, 'catalog.json'), 'utf8'),
      'the server log': serverLog,
      'API responses (the renderer state)': responses.join('\n'),
      'command lines': all,
    };
    for (const name of await readdir(home, { recursive: true })) {
      if (/\.(json|log|txt)$/.test(String(name))) places[`data folder: ${name}`] = await readFile(join(home, String(name)), 'utf8').catch(() => '');
    }
    for (const [what, secret] of Object.entries(secrets)) {
      for (const [where, text] of Object.entries(places)) expect(text.includes(secret), `${what} found in ${where}`).toBe(false);
    }
  }, 240_000);

  it('the repository cannot be listed without its passphrase, and holds no readable site or file name', async () => {
    const repo = join(work, 'repo');
    const wrong = await sv(['snapshots', '--repo', repo], { SITEVAULT_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/passphrase/i);
    expect(wrong.stdout).not.toContain('Secret Site');
    const names = ['Secret Site', 'wp-config.php', 'wp-login.php', 'database.sql', placed.database, 'DB_PASSWORD'];
    for (const file of await readdir(repo, { recursive: true })) {
      const bytes = await readFile(join(repo, String(file))).catch(() => null);
      if (!bytes) continue;
      for (const name of names) expect(bytes.includes(Buffer.from(name)), `${name} readable in ${file}`).toBe(false);
    }
  });
});
