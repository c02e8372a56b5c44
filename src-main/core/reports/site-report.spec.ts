import { describe, expect, it } from 'vitest';
import type { CatalogData } from '../automation/catalog';
import type { Job } from '../contract/operations';
import type { SnapshotWithId } from '../engine/snapshots';
import { monthRange } from './month';
import { logoProblem } from './report-logo';
import { reportTotals, siteReport, type RepositoryView, type SiteReportInput } from './site-report';

// Times in local time, as the month's bounds are: the specs hold in any time zone.
const at = (month: number, day: number, hour = 12, minute = 0) => new Date(2026, month - 1, day, hour, minute).toISOString();
const id = (n: number) => n.toString(16).padStart(64, '0');
const november = monthRange('2026-11');
const site = { name: 'client-a', tags: ['acme'], destination: 'vault', copyTo: null };

function snapshot(n: number, time: string, options: Partial<SnapshotWithId> = {}): SnapshotWithId {
  return {
    id: id(n),
    version: 1,
    time,
    site: 'client-a',
    hostname: 'laptop',
    installation: 'a1a1a1a1a1a1a1a1',
    tags: [],
    kind: 'both',
    parent: null,
    tree: id(999),
    source: 'sftp://x',
    stats: { files: 10, dirs: 2, bytes: 1000 * n, files_new: 0, files_changed: 0, files_unchanged: 0, bytes_read: 0, bytes_added: 100 * n, duration_s: 1 },
    warnings: [],
    original: null,
    ...options,
  };
}

function run(n: number | null, started: string, status: 'succeeded' | 'failed' = 'succeeded', error: string | null = null): CatalogData['history'][number] {
  return { site: 'client-a', kind: 'both', started, finished: started, status, snapshot: n === null ? null : id(n), error, code: error ? 'AUTH_FAILED' : null, hint: null, removed: 0 };
}

function verification(kind: 'after-backup' | 'scheduled-check' | 'test-restore', n: number | null, time: string, ok = true): CatalogData['verifications'][number] {
  return { kind, destination: 'vault', snapshot: n === null ? null : id(n), time, ok, summary: `${kind} at ${time}`, problems: ok ? [] : ['pack damaged'] };
}

function restoreJob(started: string, options: Partial<Job> = {}): Job {
  return {
    id: `job-${started}`,
    kind: 'restore',
    title: 'Restore client-a',
    status: 'succeeded',
    site: 'client-a',
    resumable: false,
    resumedFrom: null,
    resumedBy: null,
    request: { op: 'restore:run', input: { site: 'client-a', snapshot: id(2) } },
    started,
    finished: started,
    progress: null,
    error: null,
    result: { snapshot: id(2) },
    log: [],
    ...options,
  };
}

const repository = (snapshots: SnapshotWithId[], dataBytes: number | null = 5000): RepositoryView => ({ snapshots, installation: 'a1a1a1a1a1a1a1a1', dataBytes });

function input(overrides: Omit<Partial<SiteReportInput>, 'catalog'> & { catalog?: Partial<SiteReportInput['catalog']> }): SiteReportInput {
  return {
    site,
    range: november,
    repository: repository([]),
    repositoryError: null,
    ...overrides,
    catalog: { history: [], jobs: [], verifications: [], ...overrides.catalog },
  };
}

describe('monthRange', () => {
  it('runs from the first local instant of the month to the first of the next, across a year', () => {
    const december = monthRange('2026-12');
    expect(december.from.getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(december.to.getTime()).toBe(new Date(2027, 0, 1).getTime());
    expect(() => monthRange('2026-13')).toThrow(/YYYY-MM/);
    expect(() => monthRange('26-11')).toThrow(/YYYY-MM/);
  });
});

describe('siteReport', () => {
  it('counts what happened inside the month only, by local time', () => {
    const report = siteReport(
      input({
        catalog: { history: [run(1, at(10, 31, 23, 59)), run(2, at(11, 1, 0, 0)), run(3, at(11, 30, 23, 59)), run(4, at(12, 1, 0, 0))] },
        repository: repository([snapshot(1, at(10, 31, 23, 59)), snapshot(2, at(11, 1, 0, 0)), snapshot(3, at(11, 30, 23, 59)), snapshot(4, at(12, 1, 0, 0))]),
      }),
    );
    expect(report.backups.succeeded).toBe(2);
    expect(report.backups.runs.map((r) => r.snapshot)).toEqual([id(2), id(3)]);
    expect(report.kept?.map((s) => s.id)).toEqual([id(2), id(3)]);
    expect(report.restorePoints).toBe(4);
  });

  it('counts a failed run, and a snapshot whose read-back found damage, as failed; kept is what the repository still holds', () => {
    const report = siteReport(
      input({
        catalog: { history: [run(1, at(11, 2)), run(null, at(11, 3), 'failed', 'Login refused'), run(2, at(11, 4), 'succeeded', 'reading it back found damage')] },
        // Retention removed snapshot 1 since; 2 is still there; a safety snapshot is not a restore point of its own.
        repository: repository([snapshot(2, at(11, 4)), snapshot(5, at(11, 5), { tags: ['safety'] })]),
      }),
    );
    expect(report.backups).toMatchObject({ succeeded: 1, failed: 2 });
    expect(report.backups.runs[1]).toMatchObject({ status: 'failed', error: 'Login refused' });
    expect(report.backups.runs[2]).toMatchObject({ status: 'failed', snapshot: id(2) });
    expect(report.kept?.map((s) => s.id)).toEqual([id(2)]);
    expect(report.restorePoints).toBe(1);
  });

  it('lists restores to the site and into a folder from one of its snapshots, not other sites’ restores', () => {
    const report = siteReport(
      input({
        catalog: {
          history: [run(2, at(11, 1))],
          jobs: [
            restoreJob(at(11, 10), { status: 'failed', error: { code: 'CONNECTION_FAILED', message: 'The server went away' } }),
            restoreJob(at(11, 11), { site: null, request: { op: 'restore:toFolder', input: { snapshot: id(2).slice(0, 8) } }, result: null }),
            restoreJob(at(11, 12), { site: 'client-b' }),
            restoreJob(at(10, 12)),
            { ...restoreJob(at(11, 13)), kind: 'backup' },
          ],
        },
      }),
    );
    expect(report.restores).toEqual([
      { started: at(11, 10), finished: at(11, 10), status: 'failed', target: 'site', snapshot: id(2), error: 'The server went away' },
      { started: at(11, 11), finished: at(11, 11), status: 'succeeded', target: 'folder', snapshot: id(2).slice(0, 8), error: null },
    ]);
  });

  it('lists its verifications and its destination’s checks, and finds the last verified restore point', () => {
    const report = siteReport(
      input({
        catalog: {
          history: [run(1, at(11, 1)), run(2, at(11, 2)), run(3, at(11, 3))],
          verifications: [
            verification('after-backup', 1, at(11, 1)),
            verification('test-restore', 2, at(11, 2)),
            // A later test restore of snapshot 3 failed: 3 is not a verified restore point, 2 is.
            verification('after-backup', 3, at(11, 3)),
            verification('test-restore', 3, at(11, 4), false),
            verification('scheduled-check', null, at(11, 5)),
            { ...verification('scheduled-check', null, at(11, 6)), destination: 'other' },
            verification('after-backup', 77, at(11, 7)),
          ],
        },
        repository: repository([snapshot(1, at(11, 1)), snapshot(2, at(11, 2)), snapshot(3, at(11, 3))]),
      }),
    );
    expect(report.verifications.map((v) => [v.kind, v.ok])).toEqual([
      ['after-backup', true],
      ['test-restore', true],
      ['after-backup', true],
      ['test-restore', false],
      ['scheduled-check', true],
    ]);
    expect(report.lastVerified).toEqual({ snapshot: id(2), time: at(11, 2), verified: at(11, 2), kind: 'test-restore', stillKept: true });
  });

  it('reports the last restore point verified by the month’s end, even one verified in an earlier month', () => {
    const report = siteReport(
      input({
        catalog: { history: [run(1, at(10, 20))], verifications: [verification('test-restore', 1, at(10, 21)), verification('test-restore', 1, at(12, 2), false)] },
        repository: repository([snapshot(1, at(10, 20))]),
      }),
    );
    expect(report.lastVerified).toMatchObject({ snapshot: id(1), verified: at(10, 21) });
    expect(report.verifications).toEqual([]);
  });

  it('reports a site with no backups that month as zeros, with its storage and older restore points', () => {
    const report = siteReport(input({ repository: repository([snapshot(1, at(9, 3))], 4242) }));
    expect(report.backups).toEqual({ succeeded: 0, failed: 0, runs: [] });
    expect(report.kept).toEqual([]);
    expect(report.restores).toEqual([]);
    expect(report.verifications).toEqual([]);
    expect(report.lastVerified).toBeNull();
    expect(report.restorePoints).toBe(1);
    // The repository holds this site alone: its size is the site's storage.
    expect(report.storage).toEqual({ bytes: 4242, method: 'repository', repositoryBytes: 4242, sharedWith: 0 });
  });

  it('estimates storage from the new data of the site’s snapshots when the repository is shared', () => {
    const report = siteReport(input({ repository: repository([snapshot(1, at(11, 1)), snapshot(2, at(11, 2)), snapshot(3, at(11, 3), { site: 'client-b' })], 9000) }));
    expect(report.storage).toEqual({ bytes: 300, method: 'snapshots', repositoryBytes: 9000, sharedWith: 1 });
  });

  it('keeps the catalog’s figures when the repository cannot be read, and says so', () => {
    const report = siteReport(input({ catalog: { history: [run(1, at(11, 1))] }, repository: null, repositoryError: 'vault could not be read: refused' }));
    expect(report.backups.succeeded).toBe(1);
    expect(report.kept).toBeNull();
    expect(report.storage.bytes).toBeNull();
    expect(report.repositoryError).toMatch(/refused/);
    expect(reportTotals([report]).kept).toBeNull();
  });
});

describe('reportTotals', () => {
  it('adds up the sites, counting a shared destination’s check once', () => {
    const catalog = { history: [run(1, at(11, 1))], verifications: [verification('scheduled-check', null, at(11, 5), false)] };
    const a = siteReport(input({ catalog, repository: repository([snapshot(1, at(11, 1))], null) }));
    const b = siteReport(input({ site: { ...site, name: 'client-b' }, catalog, repository: repository([], null) }));
    expect(reportTotals([a, b])).toEqual({ backups: 1, failed: 0, kept: 1, restores: 0, testRestores: 0, checks: 1, problems: 1, storageBytes: 100 });
  });
});

describe('logoProblem', () => {
  const dataUrl = (type: string, bytes: number[]) => `data:image/${type};base64,${Buffer.from(bytes).toString('base64')}`;
  it('accepts a PNG or a JPEG whose bytes say so, and refuses anything else', () => {
    expect(logoProblem(dataUrl('png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBeNull();
    expect(logoProblem(dataUrl('jpeg', [0xff, 0xd8, 0xff, 0xe0]))).toBeNull();
    expect(logoProblem(dataUrl('png', [0xff, 0xd8, 0xff, 0xe0]))).toMatch(/not a PNG/);
    expect(logoProblem(`data:image/svg+xml;base64,${Buffer.from('<svg onload="x()"/>').toString('base64')}`)).toMatch(/PNG or JPEG/);
    expect(logoProblem('https://example.com/logo.png')).toMatch(/PNG or JPEG/);
    expect(logoProblem(dataUrl('png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(256 * 1024).fill(0)]))).toMatch(/larger than 256 KB/);
  });
});
