import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientApi, Job, SiteInfo } from '../../src-main/core/contract/operations';
import type { JobsState } from '../lib/jobs.svelte';
import { formatTime } from '../lib/format';
import RestoreScreen from './RestoreScreen.svelte';

type Snapshot = Awaited<ReturnType<ClientApi['repoSnapshots']>>['snapshots'][number];
type RunInput = Parameters<ClientApi['restoreRun']>[0];

const SAFETY = 'feed0123456789abcdef';
const safetyTime = '2026-12-03T19:05:00.000Z';
const site = { name: 'Client A', url: 'https://client-a.example', destination: 'Offsite' } as SiteInfo;
const snapshot = { id: 'abcd0123456789', time: '2026-12-02T02:00:00.000Z', kind: 'both', tags: [] } as unknown as Snapshot;

/** A fake of what the restore screen calls: every restore:run and restore:preview is recorded. */
function fakes() {
  const runs: RunInput[] = [];
  const previews: Array<Parameters<ClientApi['restorePreview']>[0]> = [];
  const api = {
    siteList: async () => ({ sites: [site] }),
    restorePreview: async (input: Parameters<ClientApi['restorePreview']>[0]) => {
      previews.push(input);
      return {
        snapshot: snapshot.id,
        site: site.name,
        migration: false,
        method: 'sftp',
        upload: [],
        extra: ['backdoor.php'],
        deleteExtra: input.mirror,
        metadata: [],
        replace: [],
        unchanged: 3,
        bytes: 0,
        database: null,
        url: null,
        wpConfig: null,
        warnings: [],
      };
    },
    restoreRun: async (input: RunInput) => {
      runs.push(input);
      return { jobId: `job-${runs.length}` };
    },
    repoSnapshots: async () => ({ snapshots: [snapshot, { ...snapshot, id: SAFETY, time: safetyTime, tags: ['safety'] }] }),
  } as unknown as ClientApi;
  const result = { safetySnapshot: SAFETY, written: { files: 1, dirs: 0, symlinks: 0, bytes: 10, deleted: 0 }, failed: [], notWritten: [], complete: true, database: { imported: true } };
  const jobs = { jobs: [], finished: async (id: string) => ({ id, status: 'succeeded', result, error: null }) as unknown as Job } as unknown as JobsState;
  return { api, jobs, runs, previews };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement;
const deleteBox = () => [...document.querySelectorAll('label')].find((l) => l.textContent?.includes('Delete files on the site'))!.querySelector('input') as HTMLInputElement;

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = '';
});

describe('the restore screen', () => {
  it('starts with “Delete files … not in the snapshot” unticked, each time it opens, even after a restore that ticked it', async () => {
    const first = fakes();
    component = mount(RestoreScreen, { target: document.body, props: { api: first.api, jobs: first.jobs, site, snapshot, desktop: false } });
    await settle();
    expect(deleteBox().checked).toBe(false);
    deleteBox().click();
    button('Show the changes').click();
    await settle();
    expect(first.previews.at(-1)?.mirror).toBe(true);
    button('Restore now').click();
    await settle();
    expect(first.runs).toMatchObject([{ mirror: true }]);
    unmount(component);

    const again = fakes();
    component = mount(RestoreScreen, { target: document.body, props: { api: again.api, jobs: again.jobs, site, snapshot, desktop: false } });
    await settle();
    expect(deleteBox().checked).toBe(false);
    button('Show the changes').click();
    await settle();
    expect(again.previews).toMatchObject([{ mirror: false }]);
    expect(document.querySelector('[data-testid="preview-delete"]')!.textContent).toBe('1 file on the site is not in the snapshot: kept');
  });

  it('asks before undoing, naming the safety snapshot, its date and the site, and undoes only when confirmed', async () => {
    const { api, jobs, runs } = fakes();
    component = mount(RestoreScreen, { target: document.body, props: { api, jobs, site, snapshot, desktop: false } });
    await settle();
    button('Show the changes').click();
    await settle();
    button('Restore now').click();
    await settle();
    expect(runs).toHaveLength(1);

    button('Undo this restore').click();
    await settle();
    const dialog = document.querySelector('[role="alertdialog"]')!;
    expect(dialog.getAttribute('aria-label')).toBe('Undo this restore?');
    expect(dialog.textContent!.replace(/\s+/g, ' ')).toContain(
      `puts back the safety snapshot of Client A taken ${formatTime(safetyTime)} (feed0123), just before this restore: the current files on Client A and its database are replaced with the ones in it; files that are not in it are deleted.`,
    );
    expect(runs).toHaveLength(1);
    button('Keep the restore').click();
    await settle();
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
    expect(runs).toHaveLength(1);

    button('Undo this restore').click();
    await settle();
    button('Put back the safety snapshot').click();
    await settle();
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ site: 'Client A', snapshot: SAFETY, mirror: true, scope: 'both' });
    expect(document.body.textContent).toContain('Undone: the site is back as it was before the restore.');
  });
});
