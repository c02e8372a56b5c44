import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { peakRssMiB } from '../../harness/processes';
import { placeSite } from '../../harness/site-placement';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

const BIG_MIB = 500;
let harness: HarnessInfo;
let work: string;
beforeAll(async () => {
  harness = await loadHarnessInfo();
  work = await mkdtemp(join(tmpdir(), 'sv-sftp-memory-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('an SFTP-only backup of a large file', () => {
  it(`reads ${BIG_MIB} MiB in windows without holding them: peak RSS stays far below the file's size`, async () => {
    const placed = await placeSite(harness, 'sftp-only', 'sftp-memory', { scale: 0.001 });
    const big = await open(join(placed.diskPath, 'big-media.bin'), 'w');
    for (let i = 0; i < BIG_MIB / 4; i++) await big.write(randomBytes(4 * 1024 * 1024));
    await big.close();
    const ids = await userIds(harness.sshd!.sftp.username);
    await run('chown', [`${ids.uid}:${ids.gid}`, join(placed.diskPath, 'big-media.bin')]);

    const env = { ...process.env, SITEVAULT_HOME: join(work, 'home'), SITEVAULT_PASSPHRASE: 'memory', SITEVAULT_SOURCE_PASSWORD: harness.sshd!.sftp.password };
    const repo = join(work, 'repo');
    expect((await runCli(['init', '--repo', repo], env)).code).toBe(0);
    const url = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const child = spawn(process.execPath, [CLI, 'backup', '--repo', repo, '--source', url, '--source-host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const poll = setInterval(() => (peak = Math.max(peak, peakRssMiB(child.pid!))), 20);
    child.on('exit', () => (peak = Math.max(peak, peakRssMiB(child.pid!))));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout).bytes_read).toBeGreaterThan(BIG_MIB * 1024 * 1024);
    console.log(`SFTP-only backup of a ${BIG_MIB} MiB file: peak RSS ${peak.toFixed(0)} MiB`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(400);
  }, 180_000);
});
