import { describe, expect, it } from 'vitest';
import { BackendError } from '../backends/backend';
import { ApiError } from '../contract/errors';
import { backoffDelay, mayRetry, retryTransient, waitBeforeRetry } from './retry';

const transient = () => new BackendError('transient', 'CONNECTION_FAILED', 'connection reset');

/** Work that fails `failures` times with `error`, then returns 'done'; counts its attempts. */
function flaky(failures: number, error: () => Error = transient) {
  const counter = { attempts: 0 };
  const work = async () => {
    counter.attempts++;
    if (counter.attempts <= failures) throw error();
    return 'done';
  };
  return { counter, work };
}

describe('retryTransient', () => {
  it('retries transient failures, reporting each retry, until the work succeeds', async () => {
    const { counter, work } = flaky(3);
    const retries: number[] = [];
    await expect(retryTransient('read x', work, { maxRetries: 5, baseDelayMs: 1, onRetry: (_what, attempt) => retries.push(attempt) })).resolves.toBe('done');
    expect(counter.attempts).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('gives up after maxRetries with the last failure; 0 means no limit', async () => {
    const limited = flaky(10);
    await expect(retryTransient('read x', limited.work, { maxRetries: 2, baseDelayMs: 1 })).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(limited.counter.attempts).toBe(3);
    const unlimited = flaky(12);
    await expect(retryTransient('read x', unlimited.work, { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 })).resolves.toBe('done');
    expect(unlimited.counter.attempts).toBe(13);
  });

  it('never retries a permanent failure or one that is not a BackendError', async () => {
    const permanent = flaky(5, () => new BackendError('permanent', 'AUTH_FAILED', 'refused'));
    await expect(retryTransient('login', permanent.work, { maxRetries: 5, baseDelayMs: 1 })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(permanent.counter.attempts).toBe(1);
    const bug = flaky(5, () => new RangeError('a bug'));
    await expect(retryTransient('login', bug.work, { maxRetries: 5, baseDelayMs: 1 })).rejects.toThrow(RangeError);
    expect(bug.counter.attempts).toBe(1);
  });

  it('an abort ends the backoff at once with CANCELLED and starts no further attempt', async () => {
    const controller = new AbortController();
    const { counter, work } = flaky(Number.POSITIVE_INFINITY);
    // A one-hour backoff: only the abort can end this within the test's time.
    const running = retryTransient('write data/ab/…', work, { maxRetries: 0, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, signal: controller.signal, onRetry: () => controller.abort() });
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('CANCELLED');
    expect(counter.attempts).toBe(1);
  });

  it('an already cancelled signal makes no attempt', async () => {
    const { counter, work } = flaky(0);
    await expect(retryTransient('list data', work, { maxRetries: 3, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(counter.attempts).toBe(0);
  });
});

describe('waitBeforeRetry and mayRetry (loops that resume)', () => {
  it('mayRetry: transient, not exhausted, not cancelled', () => {
    expect(mayRetry(transient(), 0, { maxRetries: 1 })).toBe(true);
    expect(mayRetry(transient(), 1, { maxRetries: 1 })).toBe(false);
    expect(mayRetry(transient(), 99, { maxRetries: 0 })).toBe(true);
    expect(mayRetry(new BackendError('permanent', 'IO_ERROR', 'x'), 0, { maxRetries: 5 })).toBe(false);
    expect(mayRetry(transient(), 0, { maxRetries: 5, signal: AbortSignal.abort() })).toBe(false);
  });

  it('an abort ends the wait with CANCELLED', async () => {
    const controller = new AbortController();
    const waiting = waitBeforeRetry('read a.php', transient(), 0, { maxRetries: 0, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap; with jitter, between half and all of it', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, { baseDelayMs: 100, maxDelayMs: 1000, jitter: false }))).toEqual([100, 200, 400, 800, 1000]);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(2, { baseDelayMs: 100, maxDelayMs: 10_000 });
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
