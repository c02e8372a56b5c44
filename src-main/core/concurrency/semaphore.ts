import pLimit, { type LimitFunction } from 'p-limit';

/**
 * A counting semaphore: at most `limit` holders at once (0 = unlimited), first come first
 * served. `run` holds a slot for one piece of work; `acquire` hands out the slot itself, for
 * work that starts now and ends elsewhere (an upload left running in the background).
 */
export class Semaphore {
  readonly #limit: LimitFunction;

  constructor(readonly limit: number) {
    this.#limit = pLimit(limit > 0 ? limit : Number.POSITIVE_INFINITY);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.#limit(work);
  }

  /** Waits for a slot; the function returned gives it back (calling it again does nothing). */
  acquire(): Promise<() => void> {
    return new Promise((granted) => {
      void this.#limit(
        () =>
          new Promise<void>((release) => {
            let released = false;
            granted(() => {
              if (released) return;
              released = true;
              release();
            });
          }),
      );
    });
  }

  /** Holders now. */
  get active(): number {
    return this.#limit.activeCount;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#limit.pendingCount;
  }
}
