import { describe, expect, it } from 'vitest';
import type { Job } from '../contract/operations';
import { ActivityCounter, alertForJob, staleSites } from './desktop-alerts';

const job = (over: Partial<Job>): Job => ({
  id: '1',
  kind: 'backup',
  title: 'Back up Client A',
  status: 'succeeded',
  site: null,
  resumable: false,
  resumedFrom: null,
  resumedBy: null,
  request: null,
  started: '',
  finished: '',
  progress: null,
  error: null,
  result: null,
  log: [],
  ...over,
});

describe('desktop alerts', () => {
  it('notifies failed jobs only, with the error message', () => {
    expect(alertForJob(job({}))).toBeNull();
    expect(alertForJob(job({ status: 'cancelled' }))).toBeNull();
    expect(alertForJob(job({ status: 'failed', error: { code: 'AUTH_FAILED', message: 'The server refused the password.' } }))).toEqual({
      title: 'Backup failed: Client A',
      body: 'The server refused the password.',
    });
    expect(alertForJob(job({ kind: 'verify', title: 'Scheduled check of Office NAS', status: 'failed', error: { code: 'DAMAGE_FOUND', message: '1 problems found' } }))).toEqual({
      title: 'Damage found: Office NAS',
      body: '1 problems found',
    });
    expect(alertForJob(job({ kind: 'backup', status: 'failed', error: { code: 'DAMAGE_FOUND', message: 'reading it back found damage' } }))?.title).toBe('Damage found: Client A');
  });

  it('blocks power saving from the first job to the last', () => {
    const changes: boolean[] = [];
    const counter = new ActivityCounter((busy) => changes.push(busy));
    counter.started('a');
    counter.started('b');
    counter.started('a');
    counter.finished('a');
    counter.finished('c');
    counter.finished('b');
    expect(changes).toEqual([true, false]);
  });

  it('finds sites without a good backup within twice their expected interval, by their own schedule', () => {
    const now = Date.parse('2026-11-22T12:00:00');
    const weekly = { files: { enabled: true, time: '02:00', frequency: 'weekly' as const, weekday: 1, cron: null }, database: { enabled: false, everyHours: 6 } };
    const sites = [
      { name: 'fresh', environment: 'production' as const, schedule: null },
      { name: 'old', environment: 'production' as const, schedule: null },
      { name: 'never', environment: 'production' as const, schedule: null },
      { name: 'stage', environment: 'staging' as const, schedule: null },
      { name: 'weekly', environment: 'production' as const, schedule: weekly },
      { name: 'weekly-late', environment: 'production' as const, schedule: weekly },
    ];
    const last: Record<string, string | null> = {
      fresh: '2026-11-22T02:01:00',
      old: '2026-11-19T02:01:00',
      never: null,
      stage: null,
      weekly: '2026-11-10T02:00:00',
      'weekly-late': '2026-11-02T02:00:00',
    };
    expect(staleSites(sites, (name) => last[name] ?? null, now)).toEqual([
      { title: 'No recent backup of old', body: 'The last good backup is 3 days old; it is expected every day.' },
      { title: 'No recent backup of never', body: 'It has never been backed up.' },
      { title: 'No recent backup of weekly-late', body: 'The last good backup is 20 days old; it is expected every 7 days.' },
    ]);
  });
});
