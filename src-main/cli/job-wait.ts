import { ApiError, isErrorCode, type HintKey } from '../core/contract/errors';
import type { Job } from '../core/contract/operations';
import type { Core } from '../core/open-core';
import { terminalProgress } from './progress-bar';

export interface FollowOptions {
  /** Where the job's notices go ("Resuming …", "Safety snapshot … taken"); not shown without it. */
  onNotice?: (message: string) => void;
}

/**
 * Follows a job the service started: its progress on the terminal's bar, Ctrl+C cancels it,
 * and its end comes back as the job (a failure as its ApiError, with code and hint, and the
 * job as `job`).
 */
export async function followJob(core: Pick<Core, 'jobs' | 'events'>, id: string, options: FollowOptions = {}): Promise<Job> {
  const bar = terminalProgress();
  const unsubscribe = core.events.subscribe((event) => {
    if (event.name === 'job:progress' && event.payload.id === id) bar.listener?.(event.payload.progress);
    else if (event.name === 'job:notice' && event.payload.id === id) options.onNotice?.(event.payload.message);
  });
  const cancel = () => core.jobs.cancel(id);
  process.once('SIGINT', cancel);
  try {
    const job = await core.jobs.wait(id);
    bar.done();
    if (job.status === 'succeeded') return job;
    const error = job.error ?? { code: 'CANCELLED', message: `${job.title} did not finish.` };
    throw Object.assign(new ApiError(isErrorCode(error.code) ? error.code : 'INTERNAL', error.message, { hint: error.hint as HintKey | undefined }), { job });
  } finally {
    process.off('SIGINT', cancel);
    unsubscribe();
  }
}

/** The job a failure from followJob carries, if it came from one. */
export function failedJob(error: unknown): Job | null {
  return error instanceof ApiError && 'job' in error ? (error as ApiError & { job: Job }).job : null;
}

/** Follows a job whose failure may still carry its result (a restore that could not write some files): the job comes back with it. */
export async function followJobToResult(core: Pick<Core, 'jobs' | 'events'>, id: string, options: FollowOptions = {}): Promise<Job> {
  try {
    return await followJob(core, id, options);
  } catch (error) {
    const job = failedJob(error);
    if (job?.result) return job;
    throw error;
  }
}
