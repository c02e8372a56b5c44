import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION } from '../../../src-main/core/backends/connection';
import { SftpBackend } from '../../../src-main/core/backends/sftp-backend';
import { RetryingBackend } from '../../../src-main/core/backends/wrappers';
import { backup } from '../../../src-main/core/engine/backup';
import { LocalSource } from '../../../src-main/core/engine/local-source';
import { Repository } from '../../../src-main/core/engine/repository';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';

let harness: HarnessInfo;
let work: string;
let proxy: FaultProxy | null = null;

beforeAll(async () => {
  harness = await loadHarnessInfo();
  work = await mkdtemp(join(tmpdir(), 'sv-cancel-'));
});
afterAll(async () => {
  await proxy?.close().catch(() => {});
  await rm(work, { recursive: true, force: true });
});

describe('a backup cancelled while its SFTP destination is down', () => {
  it('returns CANCELLED instead of retrying without end, and its retry loops stop', async () => {
    const s = harness.sshd!;
    proxy = await startFaultProxy({ host: s.host, port: s.port });
    let retries = 0;
    const sftp = new SftpBackend(
      { host: '127.0.0.1', port: proxy.port, username: s.shell.username, path: `${s.shell.home}/cancel-${randomBytes(4).toString('hex')}` },
      { password: s.shell.password, hostKey: s.hostKeyFingerprint },
      { ...DEFAULT_CONNECTION, timeoutSeconds: 5, maxRetries: 0 },
    );
    // Unlimited retries (the destination's "0"), a short backoff so the loop turns often.
    const backend = new RetryingBackend(sftp, { maxRetries: 0, baseDelayMs: 50, maxDelayMs: 200, onRetry: () => void retries++ });
    const repo = await Repository.init(backend, 'cancel passphrase');
    const site = join(work, 'site');
    await mkdir(site, { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(site, `file-${i}.bin`), randomBytes(1024 * 1024));

    const controller = new AbortController();
    const running = backup(repo, new LocalSource(site), { site: 'cancel', signal: controller.signal }).then(
      () => null,
      (error: unknown) => error,
    );
    // Once packs are uploading, the server goes away: every new connection is refused.
    while (proxy.stats().bytes < 1_000_000) await sleep(10);
    await proxy.close();
    while (retries < 5) await sleep(10);
    controller.abort();

    expect(await running).toMatchObject({ code: 'CANCELLED' });
    const retriesAtCancel = retries;
    // Many backoffs' worth of waiting: a loop still running would have retried again by now.
    await sleep(1_500);
    expect(retries).toBe(retriesAtCancel);
  }, 60_000);
});
