import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import type { Job } from '../contract/operations';
import { EventBus } from '../service/event-bus';
import { JobRunner, type JobHistory } from './job-runner';

/** A job that runs until the test lets it finish, recording when it ran. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('the job queue', () => {
  it('holds the global limit and one job per site, and lets user requests go first', async () => {
    const runner = new JobRunner(new EventBus(), { maxConcurrent: () => 2 });
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    let peak = 0;
    let active = 0;
    const job = (title: string, site: string, priority: 'now' | 'scheduled' = 'scheduled') => {
      const g = gate();
      gates.set(title, g);
      return runner.start({ kind: 'backup', title, site, priority }, async () => {
        started.push(title);
        active++;
        peak = Math.max(peak, active);
        await g.opened;
        active--;
      });
    };
    job('a1', 'A');
    job('a2', 'A');
    job('b1', 'B');
    job('c1', 'C');
    job('d-now', 'D', 'now');
    await tick();
    expect(started).toEqual(['a1', 'b1']);
    expect(
      runner
        .list()
        .filter((j) => j.status === 'queued')
        .map((j) => j.title),
    ).toEqual(['a2', 'c1', 'd-now']);
    gates.get('b1')!.open();
    await tick();
    // d-now was asked for by the user: it goes ahead of the scheduled c1 (a2 waits for a1: one job per site).
    expect(started).toEqual(['a1', 'b1', 'd-now']);
    gates.get('a1')!.open();
    await tick();
    expect(started).toEqual(['a1', 'b1', 'd-now', 'a2']);
    for (const g of gates.values()) g.open();
    await tick();
    await tick();
    expect(started).toEqual(['a1', 'b1', 'd-now', 'a2', 'c1']);
    expect(peak).toBe(2);
    expect(runner.list().every((j) => j.status === 'succeeded')).toBe(true);
  });

  it('takes a queued job off the queue when it is cancelled', async () => {
    const runner = new JobRunner(new EventBus(), { maxConcurrent: () => 1 });
    const g = gate();
    runner.start({ kind: 'backup', title: 'first', site: 'A' }, () => g.opened);
    let ran = false;
    const second = runner.start({ kind: 'backup', title: 'second', site: 'B' }, async () => {
      ran = true;
    });
    expect(runner.cancel(second)).toBe(true);
    g.open();
    expect((await runner.wait(second)).status).toBe('cancelled');
    await tick();
    expect(ran).toBe(false);
  });

  it('brings back a job that was running when the app stopped as interrupted, and resumes it from its request', async () => {
    const saved = new Map<string, Job>();
    const history: JobHistory = { loadJobs: async () => [...saved.values()], recordJob: async (job) => void saved.set(job.id, job) };
    const before = new JobRunner(new EventBus(), { history });
    before.start({ kind: 'backup', title: 'Back up A', site: 'A', request: { op: 'backup:run', input: { site: 'A', scope: 'both' } } }, () => new Promise(() => {}));
    await tick();
    await before.flushHistory();
    expect([...saved.values()][0]!.status).toBe('running');

    const after = new JobRunner(new EventBus(), { history });
    const resumedWith: unknown[] = [];
    after.registerResumer('backup:run', (input, from) => {
      resumedWith.push([input, from]);
      return after.start({ kind: 'backup', title: 'Back up A', site: 'A', resumedFrom: from }, async () => {});
    });
    await after.loadHistory();
    const [interrupted] = after.list();
    expect(interrupted).toMatchObject({ status: 'interrupted', error: { code: 'INTERRUPTED' } });
    // Resumable once a resumer exists for its operation (the app registers them as it starts).
    expect(interrupted!.request).toEqual({ op: 'backup:run', input: { site: 'A', scope: 'both' } });
    const next = after.resume(interrupted!.id);
    // The saved input is checked with the operation's schema (defaults applied) before it is resumed.
    expect(resumedWith).toEqual([[{ site: 'A', scope: 'both', tags: [] }, interrupted!.id]]);
    expect((await after.wait(next)).status).toBe('succeeded');
    expect(after.get(interrupted!.id)).toMatchObject({ resumedBy: next, resumable: false });
    expect(() => after.resume(interrupted!.id)).toThrow(/resumed already/);
  });

  it('refuses to resume a saved request that does not fit its operation any more', async () => {
    const runner = new JobRunner(new EventBus(), {
      history: { loadJobs: async () => [], recordJob: async () => {} },
    });
    runner.registerResumer('backup:run', () => 'never');
    const id = runner.start({ kind: 'backup', title: 'Back up A', request: { op: 'backup:run', input: { site: 'A', scope: 'everything' } } as never }, async () => {
      throw new Error('failed');
    });
    await runner.wait(id);
    expect(() => runner.resume(id)).toThrow(/no longer fits backup:run/);
  });

  it('offers Resume after a failure that may pass (a dropped connection), never after one the user must fix first (a wrong password)', async () => {
    const runner = new JobRunner(new EventBus(), { history: { loadJobs: async () => [], recordJob: async () => {} } });
    runner.registerResumer('backup:run', () => 'never');
    const failWith = (code: 'CONNECTION_FAILED' | 'AUTH_FAILED' | 'SOURCE_NOT_FOUND' | 'IO_ERROR') =>
      runner.start({ kind: 'backup', title: code, site: code, request: { op: 'backup:run', input: { site: 'A', scope: 'both' } } }, async () => {
        throw new ApiError(code, `failed with ${code}`);
      });
    const ids = (['CONNECTION_FAILED', 'AUTH_FAILED', 'SOURCE_NOT_FOUND', 'IO_ERROR'] as const).map(failWith);
    const jobs = await Promise.all(ids.map((id) => runner.wait(id)));
    expect(jobs.map((j) => [j.error?.code, j.resumable])).toEqual([
      ['CONNECTION_FAILED', true],
      ['AUTH_FAILED', false],
      ['SOURCE_NOT_FOUND', false],
      ['IO_ERROR', true],
    ]);
  });
});
