import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileLock } from './shared-file';

/** proper-lockfile refreshes a held lock every staleMs / 2 (1 s at the smallest staleMs, 2 s): by then it has noticed. */
const LOCK_REFRESH_PASSED_MS = 2_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.concurrent('withFileLock, when the lock is lost while the change is under way', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sv-shared-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Another process removes the lock (as it does with a lock it takes for stale). */
  const loseTheLock = async (file: string) => {
    await rm(`${file}.lock`, { recursive: true });
    await sleep(LOCK_REFRESH_PASSED_MS);
  };

  it('a change that succeeded is reported as not safely saved', async () => {
    const file = join(dir, 'saved.json');
    const change = withFileLock(file, () => loseTheLock(file), { staleMs: 2_000 });
    await expect(change).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('was taken over while this change was being saved') });
  });

  it('a change that failed reports its own error, which the lost lock does not hide', async () => {
    const file = join(dir, 'failed.json');
    const change = withFileLock(
      file,
      async () => {
        await loseTheLock(file);
        throw new Error('the change itself failed');
      },
      { staleMs: 2_000 },
    );
    await expect(change).rejects.toThrow('the change itself failed');
  });
});
