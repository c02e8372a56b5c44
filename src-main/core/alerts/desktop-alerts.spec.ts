import { describe, expect, it } from 'vitest';
import type { Job } from '../contract/operations';
import { ActivityCounter, alertForJob, staleSites } from './desktop-alerts';

const job = (over: Partial<Job>): Job => ({ id: '1', kind: 'backup', title: 'Back up Client A', status: 'succeeded', site: null, resumable: false, resumedFrom: null, resumedBy: null, request: null, started: '', finished: '', progress: null, error: null, result: null, log: [], ...over });

describe('desktop alerts', () => {
  it('notifies failed jobs only, with the error message', () => {
    expect(alertForJob(job({}))).toBeNull();
    expect(alertForJob(job({ status: 'cancelled' }))).toBeNull();
    expect(alertForJob(job({ status: 'failed', error: { code: 'AUTH_FAILED', message: 'The server refused the password.' } }))).toEqual({ title: 'Backup failed: Client A', body: 'The server refused the password.' });
    expect(alertForJob(job({ kind: 'verify', title: 'Scheduled check of Office NAS', status: 'failed', error: { code: 'DAMAGE_FOUND', message: '1 problems found' } }))).toEqual({ title: 'Damage found: Office NAS', body: '1 problems found' });
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

  it('finds production sites without a good backup in N days, ignoring safety snapshots and staging sites', async () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    const site = (name: string, environment: 'production' | 'staging' = 'production') => ({ name, url: '', environment, destination: 'D', copyTo: null, copyWhen: null, hostKey: null, tlsFingerprint: null, databaseMode: 'auto' as const, schedule: null, nextRun: null, hasPassword: true, hasKeyPassphrase: false, hasDatabasePassword: false });
    const snap = (siteName: string, time: string, tags: string[] = []) => ({ id: time, time, site: siteName, tags, kind: 'both' as const, files: 1, bytes: 1, bytesAdded: 1, warnings: 0 });
    const handlers = {
      'site:list': async () => ({ sites: [site('fresh'), site('old'), site('never'), site('stage', 'staging')] }),
      'repo:snapshots': async ({ site: name }: { destination: string; site?: string }) => ({
        snapshots: { fresh: [snap('fresh', '2026-11-22T01:00:00Z')], old: [snap('old', '2026-11-10T01:00:00Z'), snap('old', '2026-11-22T01:00:00Z', ['safety'])], never: [], stage: [] }[name as 'fresh'] ?? [],
      }),
    };
    const alerts = await staleSites(handlers, 2, now);
    expect(alerts).toEqual([
      { title: 'No recent backup of old', body: 'The last good backup is 12 days old.' },
      { title: 'No recent backup of never', body: 'It has never been backed up.' },
    ]);
  });
});
