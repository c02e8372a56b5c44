import { BackendError, type Backend, type ByteRange, type ObjectInfo } from './backend';

/** A counting semaphore: at most `limit` holders at once (0 = unlimited). */
export class Semaphore {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.limit > 0 && this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}

abstract class BackendWrapper implements Backend {
  constructor(protected readonly inner: Backend) {}
  get properties() {
    return this.inner.properties;
  }
  protected abstract wrap<T>(what: string, work: () => Promise<T>): Promise<T>;
  list(folder: string): Promise<ObjectInfo[]> {
    return this.wrap(`list ${folder}`, () => this.inner.list(folder));
  }
  stat(name: string): Promise<ObjectInfo> {
    return this.wrap(`stat ${name}`, () => this.inner.stat(name));
  }
  read(name: string, range?: ByteRange): Promise<Buffer> {
    return this.wrap(`read ${name}`, () => this.inner.read(name, range));
  }
  write(name: string, data: Buffer): Promise<void> {
    return this.wrap(`write ${name}`, () => this.inner.write(name, data));
  }
  delete(name: string): Promise<void> {
    return this.wrap(`delete ${name}`, () => this.inner.delete(name));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** At most `limit` operations in flight on the inner backend (0 = unlimited). */
export class ConcurrencyLimitedBackend extends BackendWrapper {
  readonly #semaphore: Semaphore;
  constructor(inner: Backend, limit: number) {
    super(inner);
    this.#semaphore = new Semaphore(limit);
  }
  protected wrap<T>(_what: string, work: () => Promise<T>): Promise<T> {
    return this.#semaphore.run(work);
  }
}

export interface RetryOptions {
  /** Attempts after the first (0 = unlimited, as JetBackup's setting means). */
  maxRetries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (what: string, attempt: number, error: BackendError) => void;
}

/**
 * Runs `work`, retrying transient BackendErrors with exponential backoff and jitter; other
 * failures, and the last transient one, are thrown as they are.
 */
export async function retryTransient<T>(what: string, work: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!mayRetry(error, attempt, options)) throw error;
      options.onRetry?.(what, attempt + 1, error as BackendError);
      await backoff(attempt, options);
    }
  }
}

/** Whether a failure after `attempt` earlier retries is worth another try. */
export function mayRetry(error: unknown, attempt: number, options: RetryOptions): boolean {
  const transient = error instanceof BackendError && error.kind === 'transient';
  const exhausted = options.maxRetries > 0 && attempt >= options.maxRetries;
  return transient && !exhausted && !options.signal?.aborted;
}

/** Waits before retry number `attempt + 1`: doubling from the base delay up to the cap, with jitter. */
export function backoff(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>): Promise<void> {
  const delay = Math.min(options.maxDelayMs ?? 30_000, (options.baseDelayMs ?? 250) * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

/** Retries transient failures with exponential backoff and jitter; others fail at once. */
export class RetryingBackend extends BackendWrapper {
  constructor(
    inner: Backend,
    private readonly options: RetryOptions,
  ) {
    super(inner);
  }

  protected wrap<T>(what: string, work: () => Promise<T>): Promise<T> {
    return retryTransient(what, work, this.options);
  }
}
