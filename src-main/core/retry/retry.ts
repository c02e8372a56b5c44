import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { BackendError } from '../backends/backend';
import { ApiError } from '../contract/errors';

export interface RetryOptions {
  /** Attempts after the first (0 = unlimited, as JetBackup's setting means). */
  maxRetries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stops the retries: a wait in progress ends at once with CANCELLED. */
  signal?: AbortSignal;
  onRetry?: (what: string, attempt: number, error: BackendError) => void;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 30_000;

export function isTransient(error: unknown): error is BackendError {
  return error instanceof BackendError && error.kind === 'transient';
}

export function cancelled(what: string): ApiError {
  return new ApiError('CANCELLED', `Cancelled while retrying ${what}.`);
}

/**
 * The wait before retry number `attempt + 1`: doubling from the base delay up to the cap,
 * with jitter (between half and all of it) unless `jitter` is false.
 */
export function backoffDelay(attempt: number, options: { baseDelayMs?: number; maxDelayMs?: number; jitter?: boolean } = {}): number {
  const full = (options.baseDelayMs ?? BASE_DELAY_MS) * 2 ** attempt;
  return Math.min(options.maxDelayMs ?? MAX_DELAY_MS, options.jitter === false ? full : full * (0.5 + Math.random() / 2));
}

/**
 * Runs `work`, retrying transient BackendErrors with exponential backoff and jitter (p-retry,
 * with the delays of `backoffDelay`); other failures, and the last transient one, are thrown
 * as they are. An abort ends a wait at once and starts no new attempt: CANCELLED.
 */
export async function retryTransient<T>(what: string, work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? BASE_DELAY_MS;
  try {
    return await pRetry(() => work(), {
      retries: options.maxRetries > 0 ? options.maxRetries : Number.POSITIVE_INFINITY,
      factor: 2,
      // p-retry's jitter multiplies by 1 to 2: half the base gives half to all of backoffDelay's.
      minTimeout: base / 2,
      maxTimeout: options.maxDelayMs ?? MAX_DELAY_MS,
      randomize: true,
      signal: options.signal,
      // Asked only while retries are left: a yes is a retry.
      shouldRetry: ({ error, retriesConsumed }) => {
        if (!isTransient(error)) return false;
        options.onRetry?.(what, retriesConsumed + 1, error);
        return true;
      },
    });
  } catch (error) {
    if (options.signal?.aborted) throw cancelled(what);
    throw error;
  }
}

/** Whether a failure after `attempt` earlier retries is worth another try. */
export function mayRetry(error: unknown, attempt: number, options: RetryOptions): boolean {
  const exhausted = options.maxRetries > 0 && attempt >= options.maxRetries;
  return isTransient(error) && !exhausted && !options.signal?.aborted;
}

/**
 * For a loop that resumes rather than repeats (a download that goes on from where it was
 * cut): reports retry `attempt + 1` and waits its backoff. Check `mayRetry` first.
 */
export async function waitBeforeRetry(what: string, error: BackendError, attempt: number, options: RetryOptions): Promise<void> {
  options.onRetry?.(what, attempt + 1, error);
  try {
    await sleep(backoffDelay(attempt, options), undefined, { signal: options.signal });
  } catch (failure) {
    if (options.signal?.aborted) throw cancelled(what);
    throw failure;
  }
}
