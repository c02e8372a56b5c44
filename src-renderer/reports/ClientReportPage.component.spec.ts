import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientReport, SiteReport } from '../../src-main/core/reports/report-schema';
import ClientReportPage from './ClientReportPage.svelte';

const at = (day: number, hour = 2) => new Date(2026, 10, day, hour).toISOString();

function siteReport(overrides: Partial<SiteReport>): SiteReport {
  return {
    site: 'client-a',
    tags: ['Acme'],
    destination: 'vault',
    backups: { succeeded: 0, failed: 0, runs: [] },
    kept: [],
    restorePoints: 0,
    restores: [],
    verifications: [],
    storage: { bytes: 0, method: 'snapshots', repositoryBytes: 0, sharedWith: 1 },
    lastVerified: null,
    repositoryError: null,
    ...overrides,
  };
}

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = '';
});

describe('the client report page', () => {
  it('shows a tag’s sites with their failures, restores and checks, and the totals', () => {
    const sites = [
      siteReport({
        backups: {
          succeeded: 1,
          failed: 1,
          runs: [
            { started: at(2), finished: at(2), kind: 'both', status: 'succeeded', snapshot: 'a'.repeat(64), error: null },
            { started: at(3), finished: at(3), kind: 'both', status: 'failed', snapshot: null, error: 'The server refused the login.' },
          ],
        },
        kept: [{ id: 'a'.repeat(64), time: at(2), kind: 'both', files: 120, bytes: 2_500_000 }],
        restorePoints: 9,
        restores: [{ started: at(10), finished: at(10), status: 'succeeded', target: 'site', snapshot: 'a'.repeat(64), error: null }],
        verifications: [
          { kind: 'after-backup', time: at(2), ok: true, snapshot: 'a'.repeat(64), summary: '', problems: 0 },
          { kind: 'test-restore', time: at(12), ok: false, snapshot: 'a'.repeat(64), summary: '', problems: 2 },
        ],
        storage: { bytes: 1_200_000, method: 'snapshots', repositoryBytes: 5_000_000, sharedWith: 1 },
        lastVerified: { snapshot: 'a'.repeat(64), time: at(2), verified: at(2), kind: 'after-backup', stillKept: true },
      }),
      siteReport({
        site: 'client-b',
        tags: ['acme'],
        repositoryError: 'vault could not be read: The server did not answer.',
        kept: null,
        restorePoints: null,
        storage: { bytes: null, method: null, repositoryBytes: null, sharedWith: 0 },
      }),
    ];
    const report: ClientReport = {
      month: '2026-11',
      from: new Date(2026, 10, 1).toISOString(),
      to: new Date(2026, 11, 1).toISOString(),
      generated: new Date(2026, 11, 1, 9).toISOString(),
      scope: { kind: 'tag', tag: 'Acme' },
      author: { name: 'Jane Doe Web Care', logo: null },
      sites,
      // As reportTotals adds them up (the core's spec checks that).
      totals: { backups: 1, failed: 1, kept: null, restores: 1, testRestores: 1, checks: 1, problems: 1, storageBytes: 1_200_000 },
    };
    component = mount(ClientReportPage, { target: document.body, props: { report } });
    flushSync();
    const text = document.body.textContent!.replace(/\s+/g, ' ');
    expect(document.querySelector('h1')!.textContent).toBe('Sites tagged “Acme”');
    expect(text).toContain('Jane Doe Web Care');
    const tile = (label: string) => [...document.querySelectorAll('.tiles div')].find((d) => d.querySelector('dt')!.textContent === label)!.querySelector('dd')!.textContent;
    expect([tile('Backups made'), tile('Failed'), tile('Kept'), tile('Restores'), tile('Test restores'), tile('Checks')]).toEqual(['1', '1', '—', '1', '1', '1']);
    const [a, b] = [...document.querySelectorAll('[data-testid="report-site"]')].map((s) => s.textContent!.replace(/\s+/g, ' '));
    expect(a).toContain('1 backup made, 1 failed. 1 backup of this month is kept, of 9 restore points in all.');
    expect(a).toContain('The server refused the login.');
    expect(a).toContain('The site');
    expect(a).toContain('1 test restore: 0 passed, 1 found problems.');
    expect(a).toContain('2 problems found');
    expect(a).toContain('about 1.2 MB');
    expect(a).toContain('shared with 1 other site (5.0 MB in all)');
    expect(a).toContain('Last verified restore point:');
    expect(b).toContain('No verified restore point');
    expect(b).toContain('vault could not be read: The server did not answer.');
    expect(b).toContain('Storage used unknown');
  });
});
