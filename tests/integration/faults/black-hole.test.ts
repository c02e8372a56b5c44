import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, CLI } from '../../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';
import { spawn } from 'node:child_process';

let harness: HarnessInfo;
let home: string;
let work: string;
const proxies: FaultProxy[] = [];
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: 'black hole passphrase',
  SHELL_PASSWORD: harness.sshd!.shell.password,
  FTP_PASSWORD: harness.ftpd!.password,
  ...extra,
});
const { sv, json } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-hole-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-hole-work-'));
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe.each([
  ['SSH with a shell', 'ssh-shell' as const],
  ['FTP', 'ftp' as const],
])('a site over %s that stops answering mid-backup (a black hole)', (label, host) => {
  it('fails within about its timeout with a clear error; no snapshot; the repository checks', async () => {
    const placed = await placeSite(harness, host, `hole-${host}`, { scale: 0.02 });
    const target = host === 'ftp' ? { host: '127.0.0.1', port: harness.ftpd!.port } : { host: '127.0.0.1', port: harness.sshd!.port };
    const proxy = await startFaultProxy(target, { ftp: host === 'ftp' });
    proxies.push(proxy);
    const url = host === 'ftp' ? `ftp://${harness.ftpd!.username}@127.0.0.1:${proxy.port}${placed.remotePath}` : `sftp://${harness.sshd!.shell.username}@127.0.0.1:${proxy.port}${placed.remotePath}`;
    const trust = host === 'ftp' ? ['--db', 'none'] : ['--host-key', harness.sshd!.hostKeyFingerprint];
    expect((await sv(['site', 'add', label, '--url', url, '--password-env', host === 'ftp' ? 'FTP_PASSWORD' : 'SHELL_PASSWORD', ...trust, '--timeout', '3', '--max-retries', '1'])).code).toBe(0);
    const repo = join(work, host);
    expect((await sv(['init', '--repo', repo])).code).toBe(0);

    proxy.setFaults({});
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, 'backup', '--repo', repo, '--site', label], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Once the transfer is under way, the route goes dead in both directions.
    while (proxy.stats().bytes < 200_000) await new Promise((resolve) => setTimeout(resolve, 10));
    proxy.setFaults({ blackHole: true });
    const holeAt = Date.now();
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 90_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code, 'the backup must not hang').not.toBe('hung');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/timed out|timeout|lost|no answer|not respond/i);
    expect(stderr).not.toMatch(/unexpected error/);
    console.log(`${label}: gave up ${((Date.now() - holeAt) / 1000).toFixed(1)} s after the route went dead (timeout 3 s, 1 retry); ${((holeAt - started) / 1000).toFixed(1)} s of transfer before`);
    proxy.setFaults({});
    expect(await json(['snapshots', '--repo', repo, '--json'])).toEqual([]);
    expect((await sv(['check', '--repo', repo, '--read-data'])).code).toBe(0);
  }, 150_000);
});
