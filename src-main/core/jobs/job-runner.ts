import { randomUUID } from 'node:crypto';
import { ApiError, toErrorPayload } from '../contract/errors';
import type { Job } from '../contract/operations';
import type { Progress } from '../engine/progress';
import type { EventBus } from '../service/event-bus';

export interface JobContext {
  signal: AbortSignal;
  onProgress: (progress: Progress) => void;
  /** What the job produced, kept on the job for the screen that started it. */
  setResult: (result: Record<string, unknown>) => void;
}

/**
 * Runs long operations as jobs: each reports progress (files, bytes, speed, ETA) on the event
 * bus as `job:progress`, ends with `job:finished`, and can be cancelled.
 */
export class JobRunner {
  readonly #jobs = new Map<string, { job: Job; controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly events: EventBus,
    private readonly onInternalError: (error: unknown) => void = () => {},
  ) {}

  start(kind: Job['kind'], title: string, work: (context: JobContext) => Promise<void>): string {
    const id = randomUUID();
    const controller = new AbortController();
    const job: Job = { id, kind, title, status: 'running', started: new Date().toISOString(), finished: null, progress: null, error: null, result: null, log: [{ time: new Date().toISOString(), message: 'started' }] };
    const done = (async () => {
      try {
        await work({
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase !== job.progress?.phase) job.log.push({ time: new Date().toISOString(), message: progress.phase });
            job.progress = progress;
            this.events.emit({ name: 'job:progress', payload: { id, kind, title, progress } });
          },
          setResult: (result) => {
            job.result = result;
          },
        });
        job.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
      } catch (error) {
        job.status = controller.signal.aborted || (error instanceof ApiError && error.code === 'CANCELLED') ? 'cancelled' : 'failed';
        if (!(error instanceof ApiError)) this.onInternalError(error);
        job.error = error instanceof ApiError ? error.toPayload() : errorPayloadOf(error);
      } finally {
        job.finished = new Date().toISOString();
        job.log.push({ time: job.finished, message: job.error ? `${job.status}: ${job.error.message}` : job.status });
        this.events.emit({ name: 'job:finished', payload: { ...job } });
      }
    })();
    this.#jobs.set(id, { job, controller, done });
    return id;
  }

  list(): Job[] {
    return [...this.#jobs.values()].map(({ job }) => ({ ...job }));
  }

  cancel(id: string): boolean {
    const entry = this.#jobs.get(id);
    if (!entry || entry.job.status !== 'running') return false;
    entry.controller.abort();
    return true;
  }

  /** For tests and shutdown: resolves when the job has ended. */
  async wait(id: string): Promise<Job> {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `No job ${id}.`);
    await entry.done;
    return { ...entry.job };
  }
}

/** Backend and engine errors carry a code and a message written for people; others are hidden. */
function errorPayloadOf(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return { code, message: (error as Error).message };
  if (error instanceof Error && error.name === 'IntegrityError') return { code: 'INTEGRITY', message: error.message };
  return toErrorPayload(error);
}
