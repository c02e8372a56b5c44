import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { ApiError } from '../contract/errors';

/**
 * Files that the app, the CLI and `run-due` from cron all change (settings.json,
 * catalog.json). A change holds an inter-process lock on the file, re-reads it, and
 * replaces it atomically, so no writer loses another's change and no reader sees half a file.
 *
 * The lock is proper-lockfile's `<file>.lock` folder: its holder refreshes its time while it
 * holds it, and a lock left by a process that died is taken over once it is `staleMs` old.
 */
export interface FileLockOptions {
  /** How long to wait for a lock another live process holds before giving up. */
  waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process and is taken over (at least 2 s). */
  staleMs?: number;
}

const DEFAULT_WAIT_MS = 20_000;
const DEFAULT_STALE_MS = 10_000;

/** In this process, changes of one file run one after the other (the lock is per process). */
const queues = new Map<string, Promise<unknown>>();

/** Runs `work` while holding the file's inter-process lock. */
export function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const key = resolve(file);
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => runLocked(key, work, options));
  queues.set(key, next);
  next.then(
    () => forget(key, next),
    () => forget(key, next),
  );
  return next;
}

function forget(key: string, done: Promise<unknown>): void {
  if (queues.get(key) === done) queues.delete(key);
}

async function runLocked<T>(file: string, work: () => Promise<T>, options: FileLockOptions): Promise<T> {
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let lost: Error | null = null;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: options.staleMs ?? DEFAULT_STALE_MS,
      retries: { retries: Math.ceil(waitMs / 10), minTimeout: 10, maxTimeout: 100, factor: 1.3, randomize: true, maxRetryTime: waitMs },
      // The default throws from a timer (and ends the process); record it and report it below.
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new ApiError(
        'LOCKED',
        `${file} is being changed by another SiteVault process (the app, a command or a scheduled run), which has held its lock ${file}.lock for more than ${Math.round(waitMs / 1000)} s. Try again when it has finished.`,
      );
    }
    throw new ApiError('IO_ERROR', `Cannot lock ${file} (${(error as Error).message}).`, { cause: error });
  }
  let result: T;
  try {
    result = await work();
  } finally {
    await release().catch(() => {});
  }
  // Only when this process stood still for longer than the stale time while holding the lock.
  // A failed change reports its own error above instead, which this would hide.
  if (lost) throw new ApiError('IO_ERROR', `The lock on ${file} was taken over while this change was being saved (${(lost as Error).message}); check that the change is there.`);
  return result;
}

/** Replaces `file` with `text`: written to a temporary file beside it, flushed, then renamed over it. */
export async function replaceFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
