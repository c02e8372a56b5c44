import { hostname } from 'node:os';
import { z } from 'zod';
import { ApiError } from '../contract/errors';
import type { Repository } from './repository';

/**
 * `locks/<id>`: backups hold shared locks, prune holds an exclusive one. A lock not
 * refreshed for STALE_AFTER_MS, or held by a process on this host that no longer runs,
 * is stale and ignored (and removed by the next exclusive locker).
 */
const lockSchema = z.object({
  time: z.string(),
  exclusive: z.boolean(),
  hostname: z.string(),
  pid: z.number(),
  operation: z.string(),
});
type LockInfo = z.infer<typeof lockSchema>;

export const STALE_AFTER_MS = 30 * 60 * 1000;
const REFRESH_EVERY_MS = 5 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(lock: LockInfo, now = Date.now()): boolean {
  if (now - Date.parse(lock.time) > STALE_AFTER_MS) return true;
  return lock.hostname === hostname() && lock.pid !== process.pid && !processAlive(lock.pid);
}

export interface RepositoryLock {
  release(): Promise<void>;
}

async function otherLocks(repo: Repository, ownId: string): Promise<Array<{ id: string; lock: LockInfo | null }>> {
  const ids = (await repo.listIds('locks')).filter((id) => id !== ownId);
  return Promise.all(
    ids.map(async (id) => {
      try {
        return { id, lock: lockSchema.parse(await repo.loadJson('locks', id)) };
      } catch {
        return { id, lock: null };
      }
    }),
  );
}

export async function removeStaleLocks(repo: Repository): Promise<string[]> {
  const removed: string[] = [];
  for (const { id, lock } of await otherLocks(repo, '')) {
    if (lock === null || isStale(lock)) {
      await repo.backend.delete(`locks/${id}`).catch(() => {});
      removed.push(id);
    }
  }
  return removed;
}

/** Takes a lock, then checks for conflicting ones; both sides check after writing. */
export async function lockRepository(job: Repository, operation: string, exclusive: boolean): Promise<RepositoryLock> {
  // A lock is refreshed and released even after its job was cancelled.
  const repo = job.withoutSignal();
  const write = () => repo.saveJson('locks', { time: new Date().toISOString(), exclusive, hostname: hostname(), pid: process.pid, operation } satisfies LockInfo);
  let current = (await write()).id;
  const conflicts = (await otherLocks(repo, current)).filter(({ lock }) => lock !== null && !isStale(lock) && (exclusive || lock.exclusive));
  if (conflicts.length > 0) {
    await repo.backend.delete(`locks/${current}`).catch(() => {});
    const first = conflicts[0]!.lock!;
    throw new ApiError(
      'BAD_REQUEST',
      `The repository at ${repo.location} is locked by ${first.operation} (${first.exclusive ? 'exclusive' : 'shared'}, ${first.hostname} pid ${first.pid}, since ${first.time}). Try again when it has finished.`,
    );
  }
  // An exclusive holder is alone by definition: what stale locks were left (a killed process's) go now.
  if (exclusive) await removeStaleLocks(repo).catch(() => []);
  const timer = setInterval(() => {
    void (async () => {
      const previous = current;
      current = (await write()).id;
      await repo.backend.delete(`locks/${previous}`).catch(() => {});
    })().catch(() => {});
  }, REFRESH_EVERY_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      // After a cancel, one attempt: a lock left behind goes stale, a job that will not end is worse.
      await repo.backend.delete(`locks/${current}`, job.signal?.aborted ? { retry: false } : undefined).catch(() => {});
    },
  };
}
