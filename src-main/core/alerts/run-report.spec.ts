import { describe, expect, it } from 'vitest';
import type { RunDueReport } from '../automation/run-due';
import { runReportEmail } from './run-report';

const base: RunDueReport = { now: '2026-11-22T02:00:00.000Z', due: [], skipped: [], runs: [], pruned: [], checks: [], copies: [], stale: [] };
const ok = { site: 'Client A', kind: 'both' as const, started: '', finished: '', status: 'succeeded' as const, snapshot: 'abcdef0123', error: null, removed: 2, report: null };

describe('the email report of a scheduled run', () => {
  it('says nothing when all went well, unless every run is to be reported', () => {
    expect(runReportEmail({ ...base, runs: [ok] }, 'problems')).toBeNull();
    const always = runReportEmail({ ...base, runs: [ok] }, 'always');
    expect(always?.subject).toBe('SiteVault: 1 backups OK');
    expect(always?.text).toContain('OK      Client A (both): snapshot abcdef01, 2 old snapshots removed');
    expect(runReportEmail(base, 'always')).toBeNull();
  });

  it('names each kind of problem in the subject and lists the details', () => {
    const message = runReportEmail(
      {
        ...base,
        runs: [ok, { ...ok, site: 'Client B', status: 'failed', snapshot: null, error: 'The server refused the password.' }],
        checks: [{ destination: 'NAS', ok: false, snapshots: 3, packsRead: 9, problems: ['pack 1234: damaged'], error: null }],
        copies: [{ site: 'Client A', destination: 'Offsite', status: 'failed', copied: 0, error: 'connection refused' }],
        stale: [{ title: 'No recent backup of Client C', body: 'It has never been backed up.' }],
      },
      'problems',
    );
    expect(message?.subject).toBe('SiteVault: 1 backup failed, damage found in NAS, 1 site without a recent backup, 1 copy to a second destination failed');
    expect(message?.text).toContain('FAILED  Client B (both): The server refused the password.');
    expect(message?.text).toContain('DAMAGE  NAS: 1 problems');
    expect(message?.text).toContain('        pack 1234: damaged');
    expect(message?.text).toContain('FAILED  copy of Client A to Offsite: connection refused');
    expect(message?.text).toContain('STALE   Client C: It has never been backed up.');
  });
});
