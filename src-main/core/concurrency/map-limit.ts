import pMap from 'p-map';

/**
 * Maps `items` through `work` with at most `limit` calls in flight (0 = unlimited), results
 * in input order. After the first failure no new item starts, and the failure is thrown only
 * once the calls already running have settled: nothing is left running against a handle or
 * a buffer that the caller frees when this returns.
 */
export async function mapLimit<T, R>(items: Iterable<T>, limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const running = new Set<Promise<R>>();
  try {
    return await pMap(
      items,
      (item, index) => {
        const call = work(item, index);
        running.add(call);
        void call.then(
          () => running.delete(call),
          () => running.delete(call),
        );
        return call;
      },
      { concurrency: limit > 0 ? limit : Number.POSITIVE_INFINITY },
    );
  } catch (error) {
    await Promise.allSettled([...running]);
    throw error;
  }
}
