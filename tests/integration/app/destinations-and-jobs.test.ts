import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import type { OperationName } from '../../../src-main/core/contract/names';
import type { Input, Output } from '../../../src-main/core/contract/operations';

let harness: HarnessInfo;
let home: string;
let work: string;
const passphrase = `dest-pass-${Date.now()}'"`;
const env = () => ({ ...process.env, SITEVAULT_HOME: home, DEST_PASSPHRASE: passphrase, DEST_PASSWORD: harness.sshd!.sftp.password });

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-dest-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-dest-work-'));
  await mkdir(join(work, 'src'));
  await writeFile(join(work, 'src', 'index.php'), '<?php echo 1;');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('saved destinations (secrets in the keychain)', () => {
  it('adds an SFTP destination, pinning the host key it was shown, with no secret in settings.json', async () => {
    const url = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}/backups/saved-${Date.now()}`;
    const added = await runCli(['destination', 'add', 'Offsite SFTP', '--url', url, '--password-env', 'DEST_PASSWORD', '--passphrase-env', 'DEST_PASSPHRASE', '--accept-new-host-key'], env());
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Trusting host key ${harness.sshd!.hostKeyFingerprint}`);
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).toContain(harness.sshd!.hostKeyFingerprint);
    expect(settings).not.toContain(harness.sshd!.sftp.password);
    expect(settings).not.toContain(passphrase);
    const list = JSON.parse((await runCli(['destination', 'list', '--json'], env())).stdout);
    expect(list[0]).toMatchObject({ name: 'Offsite SFTP', hasPassword: true, hasPassphrase: true });
  });

  it('uses the saved name as REPO, with the secrets from the keychain only', async () => {
    const noSecretsInEnv = { ...env(), DEST_PASSWORD: '', DEST_PASSPHRASE: '' };
    expect((await runCli(['init', '--repo', 'Offsite SFTP'], noSecretsInEnv)).code).toBe(0);
    const backup = await runCli(['backup', '--repo', 'Offsite SFTP', '--source', join(work, 'src'), '--site', 'saved', '--json'], noSecretsInEnv);
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout).files_new).toBe(1);
  });

  it('refuses a name over 40 characters', async () => {
    const result = await runCli(['destination', 'add', 'x'.repeat(41), '--url', join(work, 'r')], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('at most 40 characters');
  });
});

describe('jobs over the API: progress and results on the event stream', () => {
  let serve: ServeProcess;
  const events: Array<{ event: string; data: unknown }> = [];
  const controller = new AbortController();

  beforeAll(async () => {
    const local = join(work, 'local-repo');
    expect((await runCli(['destination', 'add', 'Local copy', '--url', local, '--passphrase-env', 'DEST_PASSPHRASE'], env())).code).toBe(0);
    await runCli(['init', '--repo', 'Local copy'], env());
    await runCli(['backup', '--repo', 'Local copy', '--source', join(work, 'src'), '--site', 'api'], env());
    serve = await startServe(env());
    const response = await fetch(`${serve.origin}/api/events`, { headers: { authorization: `Bearer ${serve.token}` }, signal: controller.signal });
    void (async () => {
      const reader = response.body!.getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name && data) events.push({ event: name, data: JSON.parse(data) });
        }
      }
    })();
  });
  afterAll(async () => {
    controller.abort();
    await serve?.stop();
  });

  const call = async <N extends OperationName>(name: N, input: Input<N>) => {
    const response = await fetch(`${serve.origin}/api/call/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return response.json() as Promise<{ ok: boolean; result: Output<N>; error?: { code: string; message: string } }>;
  };
  const finished = async (jobId: string) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find((e) => e.event === 'job:finished' && (e.data as { id: string }).id === jobId);
      if (found) return found.data as { status: string; error: { code: string; message: string } | null };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('job:finished never arrived');
  };

  it('lists destinations without secrets and snapshots through the keychain passphrase', async () => {
    const list = await call('destination:list', {});
    expect(JSON.stringify(list)).not.toContain(passphrase);
    expect(list.result.destinations.map((d: { name: string }) => d.name).sort()).toEqual(['Local copy', 'Offsite SFTP']);
    const snapshots = await call('repo:snapshots', { destination: 'Local copy' });
    expect(snapshots.result.snapshots).toHaveLength(1);
    expect(snapshots.result.snapshots[0]).toMatchObject({ site: 'api', files: 1 });
  });

  it('runs a check as a job: progress events carry files, bytes, speed and ETA; it succeeds', async () => {
    const started = await call('repo:check', { destination: 'Local copy', readDataPercent: 100 });
    const jobId = started.result.jobId as string;
    const outcome = await finished(jobId);
    expect(outcome.status).toBe('succeeded');
    const progress = events.filter((e) => e.event === 'job:progress' && (e.data as { id: string }).id === jobId);
    expect(progress.length).toBeGreaterThan(0);
    expect(Object.keys((progress.at(-1)!.data as { progress: object }).progress)).toEqual(expect.arrayContaining(['filesDone', 'filesTotal', 'bytesDone', 'bytesTotal', 'bytesPerSecond', 'etaSeconds']));
    const jobs = await call('job:list', {});
    expect(jobs.result.jobs.find((j: { id: string }) => j.id === jobId)).toMatchObject({ kind: 'verify', status: 'succeeded' });
  });

  it('reports damage as a failed job with a specific error', async () => {
    const dataDir = join(work, 'local-repo', 'data');
    const [sub] = await readdir(dataDir);
    const [pack] = await readdir(join(dataDir, sub!));
    const path = join(dataDir, sub!, pack!);
    const bytes = await readFile(path);
    bytes[5]! ^= 0xff;
    await writeFile(path, bytes);
    const started = await call('repo:check', { destination: 'Local copy', readDataPercent: 100 });
    const outcome = await finished(started.result.jobId);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('DAMAGE_FOUND');
    expect(outcome.error?.message).toMatch(/problems found/);
  });

  it('refuses unknown destinations and bad arguments', async () => {
    expect((await call('repo:check', { destination: 'nope' })).error?.code).toBe('NOT_FOUND');
    expect((await call('repo:check', { destination: 'Local copy', readDataPercent: 500 })).error?.code).toBe('BAD_REQUEST');
    expect((await call('job:cancel', { id: 'not-a-job' })).result).toEqual({ cancelled: false });
  });
});
