import { randomUUID } from 'node:crypto';
import { ApiError, toErrorPayload } from '../contract/errors';
import type { OperationName } from '../contract/names';
import { operations, type Input, type Job, type ParsedInput } from '../contract/operations';
import type { Progress } from '../engine/progress';
import type { EventBus } from '../service/event-bus';

export interface JobContext {
  signal: AbortSignal;
  onProgress: (progress: Progress) => void;
  /** What the job produced, kept on the job for the screen that started it. */
  setResult: (result: Record<string, unknown>) => void;
  /** A line for the user as the job goes: kept in the job's log and sent as `job:notice`. */
  notice: (message: string) => void;
}

/** How to run a job again: an operation and its input (never a secret: those stay in the keychain). */
export type JobRequest = { [N in OperationName]: { op: N; input: Input<N> & Record<string, unknown> } }[OperationName];

/** A job's request, typed by its operation's own input. */
export function jobRequest<N extends OperationName>(op: N, input: Input<N>): JobRequest {
  return { op, input } as JobRequest;
}

export interface JobSpec {
  kind: Job['kind'];
  title: string;
  /** At most one job per site runs at a time; others wait in the queue. */
  site?: string | null;
  /** `now` (the user asked) goes ahead of `scheduled` in the queue. */
  priority?: 'now' | 'scheduled';
  /** Set when the job can be resumed after an interruption or failure. */
  request?: JobRequest | null;
  resumedFrom?: string | null;
}

/** Keeps the job history across restarts (the catalog). */
export interface JobHistory {
  loadJobs(): Promise<Job[]>;
  recordJob(job: Job): Promise<void>;
}

export interface JobRunnerOptions {
  /** The most jobs running at once; the rest wait, in order, user requests first. */
  maxConcurrent?: () => number;
  history?: JobHistory;
  onInternalError?: (error: unknown) => void;
}

type Resumer = (input: unknown, resumedFrom: string) => string;

interface Entry {
  job: Job;
  spec: JobSpec;
  controller: AbortController;
  done: Promise<void>;
  launch: () => void;
  order: number;
}

const PROGRESS_SAVED_EVERY_MS = 5_000;

/**
 * Runs long operations as jobs: each reports progress (files, bytes, speed, ETA) on the event
 * bus as `job:progress`, ends with `job:finished`, and can be cancelled. Jobs wait in a queue
 * for a free slot (a global limit, one job per site). With a history, every job is kept in
 * the catalog, and a job that was running when the app stopped comes back as interrupted,
 * to be resumed.
 */

/**
 * Failures that doing the same again cannot fix: the user must change something first (a
 * password, a key, a folder, a setting). Such a job offers no Resume; the message says what to do.
 */
const NOT_RESUMABLE: ReadonlySet<string> = new Set([
  'BAD_REQUEST',
  'NOT_FOUND',
  'AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'TLS_UNTRUSTED',
  'KEYCHAIN_UNAVAILABLE',
  'SETTINGS_INVALID',
  'UNSAFE_NAME',
  'UNSAFE_DATABASE_SETTINGS',
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'PERMISSION_DENIED',
  'BUCKET_NOT_FOUND',
  'WRONG_REGION',
  'CLOCK_SKEW',
  'ALREADY_EXISTS',
  'CONFLICT',
  'INTEGRITY',
  'DAMAGE_FOUND',
  /** The files were saved; the database needs fixing (a password, a host) before another try helps. */
  'DATABASE_FAILED',
  'CANCELLED',
]);
export class JobRunner {
  readonly #jobs = new Map<string, Entry>();
  readonly #resumers = new Map<string, Resumer>();
  #order = 0;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: EventBus,
    private readonly options: JobRunnerOptions = {},
  ) {}

  /** Brings back the job history; jobs that were queued or running when the app stopped are marked interrupted. */
  async loadHistory(): Promise<Job[]> {
    const interrupted: Job[] = [];
    if (!this.options.history) return interrupted;
    for (const saved of await this.options.history.loadJobs()) {
      if (this.#jobs.has(saved.id)) continue;
      const job: Job = { ...saved };
      if (job.status === 'running' || job.status === 'queued') {
        job.status = 'interrupted';
        job.finished = new Date().toISOString();
        job.log = [...job.log, { time: job.finished, message: 'interrupted: SiteVault stopped while this job was under way' }];
        job.error = { code: 'INTERRUPTED', message: 'SiteVault stopped while this job was under way.' };
        job.resumable = job.request !== null;
        this.#save(job);
        interrupted.push({ ...job });
      }
      this.#jobs.set(job.id, { job, spec: { kind: job.kind, title: job.title }, controller: new AbortController(), done: Promise.resolve(), launch: () => {}, order: -1 });
    }
    return interrupted;
  }

  /**
   * Registers how jobs of one operation are resumed (started again from their saved request).
   * The saved input is checked with the operation's own schema first: a request from an older
   * version, or edited on disk, is refused rather than run with whatever it holds.
   */
  registerResumer<N extends OperationName>(op: N, resume: (input: ParsedInput<N>, resumedFrom: string) => string): void {
    this.#resumers.set(op, (input, from) => {
      const parsed = operations[op].input.safeParse(input);
      if (!parsed.success) throw new ApiError('BAD_REQUEST', `This job's saved request no longer fits ${op}; start it again.`);
      return resume(parsed.data as ParsedInput<N>, from);
    });
  }

  start(spec: JobSpec, work: (context: JobContext) => Promise<void>): string {
    const id = randomUUID();
    const controller = new AbortController();
    const now = new Date().toISOString();
    const job: Job = {
      id,
      kind: spec.kind,
      title: spec.title,
      status: 'queued',
      site: spec.site ?? null,
      resumable: false,
      resumedFrom: spec.resumedFrom ?? null,
      resumedBy: null,
      started: now,
      finished: null,
      progress: null,
      error: null,
      result: null,
      log: [{ time: now, message: 'queued' }],
      request: spec.request ?? null,
    };
    let release!: () => void;
    const launched = new Promise<void>((resolve) => (release = resolve));
    const done = (async () => {
      await launched;
      if (job.status === 'cancelled') return;
      job.status = 'running';
      job.started = new Date().toISOString();
      job.log.push({ time: job.started, message: 'started' });
      this.#save(job);
      this.events.emit({ name: 'job:changed', payload: { ...job } });
      let lastSaved = Date.now();
      try {
        await work({
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase !== job.progress?.phase) job.log.push({ time: new Date().toISOString(), message: progress.phase });
            job.progress = progress;
            this.events.emit({ name: 'job:progress', payload: { id, kind: job.kind, title: job.title, progress } });
            if (Date.now() - lastSaved > PROGRESS_SAVED_EVERY_MS) {
              lastSaved = Date.now();
              this.#save(job);
            }
          },
          setResult: (result) => {
            job.result = result;
          },
          notice: (message) => {
            job.log.push({ time: new Date().toISOString(), message });
            this.events.emit({ name: 'job:notice', payload: { id, message } });
          },
        });
        job.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
      } catch (error) {
        job.status = controller.signal.aborted || (error instanceof ApiError && error.code === 'CANCELLED') ? 'cancelled' : 'failed';
        job.error = toErrorPayload(error);
        if (job.error.code === 'INTERNAL') this.options.onInternalError?.(error);
      } finally {
        this.#finish(job);
        this.#pump();
      }
    })();
    this.#jobs.set(id, { job, spec, controller, done, launch: release, order: this.#order++ });
    this.#save(job);
    this.events.emit({ name: 'job:changed', payload: { ...job } });
    this.#pump();
    return id;
  }

  list(): Job[] {
    return [...this.#jobs.values()].map(({ job }) => ({ ...job }));
  }

  get(id: string): Job {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `No job ${id}.`);
    return { ...entry.job };
  }

  cancel(id: string): boolean {
    const entry = this.#jobs.get(id);
    if (!entry) return false;
    if (entry.job.status === 'queued') {
      entry.job.status = 'cancelled';
      this.#finish(entry.job);
      entry.launch();
      return true;
    }
    if (entry.job.status !== 'running') return false;
    entry.controller.abort();
    return true;
  }

  /** Starts an interrupted or failed job again from its saved request; returns the new job's id. */
  resume(id: string): string {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `No job ${id}.`);
    const { job } = entry;
    if (!job.resumable || !job.request) throw new ApiError('BAD_REQUEST', `${job.title} cannot be resumed (${job.resumedBy ? 'it was resumed already' : `it is ${job.status}`}).`);
    const resumer = this.#resumers.get(job.request.op);
    if (!resumer) throw new ApiError('BAD_REQUEST', `${job.title} cannot be resumed by this version of SiteVault.`);
    const next = resumer(job.request.input, job.id);
    job.resumable = false;
    job.resumedBy = next;
    job.log.push({ time: new Date().toISOString(), message: `resumed as a new job` });
    this.#save(job);
    this.events.emit({ name: 'job:changed', payload: { ...job } });
    return next;
  }

  /** Resolves when the job has ended. */
  async wait(id: string): Promise<Job> {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `No job ${id}.`);
    await entry.done;
    return { ...entry.job };
  }

  /** Resolves when every change to the job history has been written (for shutdown and tests). */
  async flushHistory(): Promise<void> {
    await this.#saving;
  }

  #finish(job: Job): void {
    job.finished = new Date().toISOString();
    job.resumable = (job.status === 'interrupted' || (job.status === 'failed' && !(job.error && NOT_RESUMABLE.has(job.error.code)))) && job.request !== null && this.#resumers.has(job.request.op);
    job.log.push({ time: job.finished, message: job.error ? `${job.status}: ${job.error.message}` : job.status });
    this.#save(job);
    this.events.emit({ name: 'job:finished', payload: { ...job } });
  }

  /** Launches queued jobs while there are free slots: user requests first, then in order, one per site. */
  #pump(): void {
    const limit = Math.max(1, this.options.maxConcurrent?.() ?? 2);
    const entries = [...this.#jobs.values()];
    let running = entries.filter((e) => e.job.status === 'running').length;
    const busySites = new Set(entries.filter((e) => e.job.status === 'running' && e.job.site).map((e) => e.job.site));
    const waiting = entries.filter((e) => e.job.status === 'queued' && e.order >= 0).sort((a, b) => rank(a) - rank(b) || a.order - b.order);
    for (const entry of waiting) {
      if (running >= limit) break;
      if (entry.job.site && busySites.has(entry.job.site)) continue;
      running++;
      if (entry.job.site) busySites.add(entry.job.site);
      entry.job.status = 'running';
      entry.launch();
    }
  }

  #save(job: Job): void {
    const history = this.options.history;
    if (!history) return;
    const copy = structuredClone(job);
    this.#saving = this.#saving.then(() => history.recordJob(copy)).catch((error: unknown) => this.options.onInternalError?.(error));
  }
}

function rank(entry: Entry): number {
  return entry.spec.priority === 'scheduled' ? 1 : 0;
}
