import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe, type ServeProcess } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';
import type { OperationName } from '../../../src-main/core/contract/names';
import type { Input, Output } from '../../../src-main/core/contract/operations';

let harness: HarnessInfo;
let home: string;
let work: string;
let serve: ServeProcess | null = null;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'scheduler passphrase', SHELL_PASSWORD: harness.sshd!.shell.password, ...extra });
const { sv } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-sched-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-sched-work-'));
  const placed = await placeSite(harness, 'ssh-shell', 'sched-site');
  await sv(['destination', 'add', 'Local', '--url', join(work, 'repo'), '--passphrase-env', 'REPO_PASS']);
  await sv(['init', '--repo', 'Local'], { SITEVAULT_PASSPHRASE: 'scheduler passphrase' });
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
  await sv(['site', 'add', 'Sched Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Local']);
});
afterAll(async () => {
  await serve?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe("the app's own scheduler", () => {
  it('backs up a due site soon after the app starts, as a job with progress, and records it in the catalog', async () => {
    serve = await startServe(env({ SITEVAULT_SCHEDULER: 'on', SITEVAULT_SCHEDULER_START_MS: '300' }));
    const call = async <N extends OperationName>(name: N, input: Input<N>) =>
      (await (
        await fetch(`${serve!.origin}/api/call/${name}`, { method: 'POST', headers: { authorization: `Bearer ${serve!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) })
      ).json()) as { result: Output<N> };
    let job: Output<'job:list'>['jobs'][number] | undefined;
    for (let i = 0; i < 300 && job?.status !== 'succeeded'; i++) {
      job = (await call('job:list', {})).result.jobs.find((j: { title: string }) => j.title === 'Scheduled backup of Sched Site');
      if (job?.status === 'failed') throw new Error(JSON.stringify(job));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(job).toMatchObject({ status: 'succeeded' });
    const { snapshots } = (await call('repo:snapshots', { destination: 'Local', site: 'Sched Site' })).result;
    expect(snapshots.map((s: { id: string }) => s.id)).toEqual([job!.result?.['snapshot']]);
    const sites = (await call('site:list', {})).result.sites;
    expect(sites[0]).toMatchObject({ schedule: 'files daily at 02:00, database every 6 hours' });
    expect(Date.parse(sites[0]?.nextRun ?? '')).toBeGreaterThan(Date.now());
    const catalog = JSON.parse(await readFile(join(home, 'catalog.json'), 'utf8'));
    expect(catalog.sites['Sched Site'].files).not.toBeNull();
  });
});
