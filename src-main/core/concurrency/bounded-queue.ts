/**
 * Work started in the background, bounded in count and in bytes held: `add` waits until
 * there is room before it starts a task, so a producer that reads ahead (a tar stream, a
 * pack builder) is slowed to the pace of the consumers instead of filling memory. A task
 * starts while the bytes already in flight are within the bound, so one larger than the
 * bound still runs. The first failure is kept: `add` and `drain` throw it.
 */
export class BoundedQueue {
  readonly #running = new Set<Promise<void>>();
  #bytes = 0;
  #failure: { error: unknown } | null = null;

  constructor(private readonly bounds: { maxTasks: number; maxBytes?: number }) {}

  /** The first failure of a task, if any. */
  get failure(): unknown {
    return this.#failure?.error;
  }

  get size(): number {
    return this.#running.size;
  }

  #full(): boolean {
    return this.#running.size >= Math.max(1, this.bounds.maxTasks) || this.#bytes > (this.bounds.maxBytes ?? Number.POSITIVE_INFINITY);
  }

  /** Waits for room, then starts `work` without waiting for it. Throws an earlier task's failure instead. */
  async add(work: () => Promise<void>, bytes = 0): Promise<void> {
    this.#throwFailure();
    while (this.#full()) {
      await Promise.race(this.#running);
      this.#throwFailure();
    }
    this.#bytes += bytes;
    const task: Promise<void> = work()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#bytes -= bytes;
        this.#running.delete(task);
      });
    this.#running.add(task);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.#throwFailure();
  }

  /** Waits for every task, whatever became of them. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  #throwFailure(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
