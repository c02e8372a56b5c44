import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue';
import { mapLimit } from './map-limit';
import { ResourcePool } from './resource-pool';
import { Semaphore } from './semaphore';

/** A promise and the functions that settle it, to hold work open until a test says so. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('lets `limit` holders in at once, the next in turn as one leaves; a second release does nothing', async () => {
    const slots = new Semaphore(2);
    const first = await slots.acquire();
    const second = await slots.acquire();
    let third = false;
    const waiting = slots.acquire().then((release) => {
      third = true;
      return release;
    });
    await tick();
    expect(third).toBe(false);
    expect(slots.waiting).toBe(1);
    first();
    first();
    await waiting;
    expect(third).toBe(true);
    expect(slots.active).toBe(2);
    second();
    (await waiting)();
    await tick();
    expect(slots.active).toBe(0);
  });

  it('0 means unlimited', async () => {
    const slots = new Semaphore(0);
    const held = await Promise.all(Array.from({ length: 100 }, () => slots.acquire()));
    expect(slots.active).toBe(100);
    for (const release of held) release();
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new, and throws only when the calls in flight have settled', async () => {
    const slow = gate();
    const started: number[] = [];
    let slowDone = false;
    const run = mapLimit([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 0) {
        await slow.promise;
        slowDone = true;
      }
      if (n === 1) throw new Error('item 1 failed');
    });
    let settled = false;
    void run.catch(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    slow.open();
    await expect(run).rejects.toThrow('item 1 failed');
    expect(slowDone).toBe(true);
    expect(started).toEqual([0, 1]);
  });
});

describe('BoundedQueue', () => {
  it('holds back a task while the tasks or the bytes in flight are over their bounds', async () => {
    const queue = new BoundedQueue({ maxTasks: 2, maxBytes: 100 });
    const gates = [gate(), gate(), gate(), gate()];
    await queue.add(() => gates[0]!.promise, 60);
    await queue.add(() => gates[1]!.promise, 10);
    const started: number[] = [];
    // Two tasks in flight: the count holds the third back.
    const third = queue.add(() => {
      started.push(3);
      return gates[2]!.promise;
    }, 500);
    await tick();
    expect(started).toEqual([]);
    gates[1]!.open();
    await third;
    expect(started).toEqual([3]);
    // 560 bytes in flight: the bytes hold the fourth back until the big one is done.
    gates[0]!.open();
    const fourth = queue.add(() => {
      started.push(4);
      return gates[3]!.promise;
    }, 1);
    await tick();
    expect(started).toEqual([3]);
    gates[2]!.open();
    await fourth;
    expect(started).toEqual([3, 4]);
    gates[3]!.open();
    await queue.drain();
    expect(queue.size).toBe(0);
  });

  it('keeps the first failure: the next add and drain throw it, settle does not', async () => {
    const queue = new BoundedQueue({ maxTasks: 2 });
    await queue.add(async () => {
      throw new Error('upload failed');
    });
    await tick();
    await expect(queue.add(async () => {})).rejects.toThrow('upload failed');
    await queue.settle();
    await expect(queue.drain()).rejects.toThrow('upload failed');
  });
});

describe('ResourcePool', () => {
  interface Conn {
    id: number;
    closed: boolean;
  }
  const pool = (size: number) => {
    let opened = 0;
    const made: Conn[] = [];
    const resources = new ResourcePool<Conn>({
      size,
      open: async () => {
        const conn = { id: ++opened, closed: false };
        made.push(conn);
        return conn;
      },
      close: (conn) => (conn.closed = true),
      usable: (conn) => !conn.closed,
      brokenBy: (error) => (error as Error).message === 'socket lost',
    });
    return { resources, made };
  };

  it('opens up to `size`, then hands back idle ones instead of opening more', async () => {
    const { resources, made } = pool(2);
    const a = await resources.acquire();
    const b = await resources.acquire();
    const third = resources.acquire();
    resources.release(a);
    expect(await third).toBe(a);
    resources.release(a);
    resources.release(b);
    await Promise.all(Array.from({ length: 10 }, () => resources.with(async () => tick())));
    expect(made.length).toBe(2);
  });

  it('closes a connection broken by its work and opens a new one for the next holder', async () => {
    const { resources, made } = pool(1);
    await expect(
      resources.with(async () => {
        throw new Error('socket lost');
      }),
    ).rejects.toThrow('socket lost');
    await expect(
      resources.with(async () => {
        throw new Error('550 refused');
      }),
    ).rejects.toThrow('550');
    expect(made.map((c) => c.closed)).toEqual([true, false]);
    // One the server closed while idle is not handed out.
    made[1]!.closed = true;
    const next = await resources.acquire();
    expect(next.id).toBe(3);
  });

  it('a failed open frees its slot', async () => {
    let fail = true;
    const resources = new ResourcePool<{ closed: boolean }>({
      size: 1,
      open: async () => {
        if (fail) throw new Error('refused');
        return { closed: false };
      },
      close: () => {},
      usable: (c) => !c.closed,
    });
    await expect(resources.acquire()).rejects.toThrow('refused');
    fail = false;
    await expect(resources.acquire()).resolves.toEqual({ closed: false });
  });
});
