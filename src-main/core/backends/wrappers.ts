import { Semaphore } from '../concurrency/semaphore';
import { retryTransient, type RetryOptions } from '../retry/retry';
import type { Backend, ByteRange, CallOptions, ObjectInfo } from './backend';

abstract class BackendWrapper implements Backend {
  constructor(protected readonly inner: Backend) {}
  get properties() {
    return this.inner.properties;
  }
  /** Runs one call on the inner backend; `work` makes the call with the options it is given. */
  protected abstract wrap<T>(what: string, work: (options: CallOptions | undefined) => Promise<T>, options: CallOptions | undefined): Promise<T>;
  list(folder: string, options?: CallOptions): Promise<ObjectInfo[]> {
    return this.wrap(`list ${folder}`, (o) => this.inner.list(folder, o), options);
  }
  stat(name: string, options?: CallOptions): Promise<ObjectInfo> {
    return this.wrap(`stat ${name}`, (o) => this.inner.stat(name, o), options);
  }
  read(name: string, range?: ByteRange, options?: CallOptions): Promise<Buffer> {
    return this.wrap(`read ${name}`, (o) => this.inner.read(name, range, o), options);
  }
  write(name: string, data: Buffer, options?: CallOptions): Promise<void> {
    return this.wrap(`write ${name}`, (o) => this.inner.write(name, data, o), options);
  }
  delete(name: string, options?: CallOptions): Promise<void> {
    return this.wrap(`delete ${name}`, (o) => this.inner.delete(name, o), options);
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
  protected wrap<T>(_what: string, work: (options: CallOptions | undefined) => Promise<T>, options: CallOptions | undefined): Promise<T> {
    return this.#semaphore.run(() => work(options));
  }
}

/** Retries transient failures with exponential backoff and jitter; others fail at once. */
export class RetryingBackend extends BackendWrapper {
  constructor(
    inner: Backend,
    private readonly options: RetryOptions,
  ) {
    super(inner);
  }

  /** The call's signal (a job's) stops the retries; the backend's own, if any, too. */
  protected wrap<T>(what: string, work: (options: CallOptions | undefined) => Promise<T>, options: CallOptions | undefined): Promise<T> {
    if (options?.retry === false) return work(options);
    return retryTransient(what, () => work(options), { ...this.options, signal: options?.signal ?? this.options.signal });
  }
}

/** Makes every call under one signal (a job's): the engine hands this to the work it does for the job. */
export class SignalledBackend extends BackendWrapper {
  constructor(
    inner: Backend,
    readonly signal: AbortSignal,
  ) {
    super(inner);
  }

  protected wrap<T>(_what: string, work: (options: CallOptions | undefined) => Promise<T>, options: CallOptions | undefined): Promise<T> {
    return work({ ...options, signal: options?.signal ?? this.signal });
  }
}
