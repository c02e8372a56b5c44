import { Semaphore } from './semaphore';

export interface ResourcePoolOptions<T> {
  /** Resources held at once, idle ones included (at least 1). */
  size: number;
  open: () => Promise<T>;
  close: (resource: T) => void;
  /** Whether a resource can still be used (a connection the server has not closed). */
  usable: (resource: T) => boolean;
  /** Whether a failure of `with`'s work leaves the resource unfit for reuse. */
  brokenBy?: (error: unknown, resource: T) => boolean;
}

/**
 * Up to `size` long-lived resources (logged-in connections), opened on demand, handed out
 * one holder at a time and kept for the next holder; one found broken is closed, and the
 * next holder gets a new one.
 */
export class ResourcePool<T> {
  readonly #slots: Semaphore;
  readonly #idle: T[] = [];
  readonly #all = new Set<T>();
  readonly #held = new Map<T, () => void>();

  constructor(private readonly options: ResourcePoolOptions<T>) {
    this.#slots = new Semaphore(Math.max(1, options.size));
  }

  async acquire(): Promise<T> {
    const release = await this.#slots.acquire();
    let resource: T | undefined;
    while ((resource = this.#idle.pop()) !== undefined && !this.options.usable(resource)) this.#discard(resource);
    if (resource === undefined) {
      try {
        resource = await this.options.open();
      } catch (error) {
        release();
        throw error;
      }
      this.#all.add(resource);
    }
    this.#held.set(resource, release);
    return resource;
  }

  /** Hands a resource back; a `broken` one (or one no longer usable) is closed, not reused. */
  release(resource: T, broken = false): void {
    const release = this.#held.get(resource);
    if (!release) return;
    this.#held.delete(resource);
    if (broken || !this.options.usable(resource)) this.#discard(resource);
    else this.#idle.push(resource);
    release();
  }

  async with<R>(work: (resource: T) => Promise<R>): Promise<R> {
    const resource = await this.acquire();
    let broken = false;
    try {
      return await work(resource);
    } catch (error) {
      broken = this.options.brokenBy?.(error, resource) ?? false;
      throw error;
    } finally {
      this.release(resource, broken);
    }
  }

  #discard(resource: T): void {
    this.#all.delete(resource);
    this.options.close(resource);
  }

  /** Closes the idle resources; those held are closed when handed back. */
  closeIdle(): void {
    for (const resource of this.#idle.splice(0)) this.#discard(resource);
  }

  /** Closes every resource, held ones too (their holders then fail). */
  closeAll(): void {
    this.#idle.length = 0;
    for (const resource of [...this.#all]) this.#discard(resource);
  }
}
