import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let work: string;
let placed: PlacedSite;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'run-due passphrase', SHELL_PASSWORD: harness.sshd!.shell.password, ...extra });
const { sv, json } = cliWith(env);
// The scheduler follows the machine's local clock: times here are local on purpose.
const at = (text: string) => new Date(text).toISOString();
const due = async (now: string) => {
  const result = await sv(['run-due', '--now', now, '--json']);
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as {
      due: Array<{ site: string; kind: string }>;
      runs: Array<{ site: string; kind: string; status: string; error: string | null; removed: number }>;
      pruned: string[];
      skipped: unknown[];
    },
  };
};

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-due-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-due-work-'));
  placed = await placeSite(harness, 'ssh-shell', 'due-site');
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
  expect((await sv(['destination', 'add', 'Local', '--url', join(work, 'repo'), '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
  expect((await sv(['init', '--repo', 'Local'], { SITEVAULT_PASSPHRASE: 'run-due passphrase' })).code).toBe(0);
  expect((await sv(['site', 'add', 'Due Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Local'])).code).toBe(0);
  expect((await sv(['site', 'add', 'Due Staging', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Local', '--staging'])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('sitevault run-due', () => {
  it('runs a new production site at once (files and database), and staging sites never', async () => {
    const { code, report } = await due(at('2026-01-01T12:00'));
    expect(code).toBe(0);
    expect(report.due).toEqual([{ site: 'Due Site', kind: 'both' }]);
    expect(report.runs).toMatchObject([{ site: 'Due Site', kind: 'both', status: 'succeeded' }]);
    expect(report.pruned).toEqual(['Local']);
    expect((await due(at('2026-01-01T12:01'))).report.due).toEqual([]);
  });

  it('fires the database every 6 hours and the files at 02:00', async () => {
    expect((await due(at('2026-01-01T17:59'))).report.due).toEqual([]);
    expect((await due(at('2026-01-01T18:00'))).report.runs).toMatchObject([{ kind: 'database', status: 'succeeded' }]);
    expect((await due(at('2026-01-02T02:00'))).report.runs).toMatchObject([{ kind: 'both', status: 'succeeded' }]);
  });

  it('after the laptop slept for days, runs each missed backup once', async () => {
    const { report } = await due(at('2026-01-05T09:30'));
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]).toMatchObject({ kind: 'both', status: 'succeeded' });
    expect((await due(at('2026-01-05T09:31'))).report.due).toEqual([]);
  });

  it('applies the retention policy after backups: exactly what GFS keeps (12 daily, 3 monthly, 1 yearly)', async () => {
    for (let day = 6; day <= 20; day++) await due(at(`2026-01-${String(day).padStart(2, '0')}T02:30`));
    const snapshots = (await json(['snapshots', '--repo', 'Local', '--site', 'Due Site', '--json'], { SITEVAULT_PASSPHRASE: 'run-due passphrase' })) as Array<{ time: string }>;
    const days = snapshots.map((s) => new Date(s.time).toISOString().slice(0, 10));
    // Newest per UTC day for the last 12 days with a snapshot; January's and 2026's newest are among them.
    const expected = [...new Set(['2026-01-01', '2026-01-02', '2026-01-05', ...Array.from({ length: 15 }, (_, i) => `2026-01-${String(i + 6).padStart(2, '0')}`)].map((d) => d))].slice(-12);
    expect(new Set(days)).toEqual(new Set(expected));
    expect(snapshots).toHaveLength(12);
    const catalog = JSON.parse(await readFile(join(home, 'catalog.json'), 'utf8'));
    expect(catalog.history.filter((r: { removed: number }) => r.removed > 0).length).toBeGreaterThan(0);
    // Pruning is batched weekly: 01-01, then 01-09, then 01-16 (not at every run).
    expect(catalog.destinations.Local.lastPrune).toBe(at('2026-01-16T02:30'));
  }, 180_000);

  it('records a failing site and exits 1, while the others still run', async () => {
    await sv(
      [
        'site',
        'add',
        'Broken Site',
        '--url',
        `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`,
        '--password-env',
        'WRONG',
        '--host-key',
        harness.sshd!.hostKeyFingerprint,
        '--destination',
        'Local',
      ],
      { WRONG: 'not the password' },
    );
    const { code, report } = await due(at('2026-01-21T02:30'));
    expect(code).toBe(1);
    const bySite = Object.fromEntries(report.runs.map((r) => [r.site, r]));
    expect(bySite['Due Site']).toMatchObject({ status: 'succeeded' });
    expect(bySite['Broken Site']).toMatchObject({ status: 'failed' });
    expect(bySite['Broken Site']!.error).toMatch(/password|auth/i);
    expect(JSON.stringify(report)).not.toContain('not the password');
    // A failing site is not hammered: the next try waits 15 minutes, then 30, …
    const soon = (await due(at('2026-01-21T02:40'))).report as { skipped: Array<{ site: string; reason: string }> };
    expect(soon.skipped).toContainEqual({ site: 'Broken Site', reason: expect.stringMatching(/its last backup failed; next try after 2026-01-21T\d\d:4[5-9]/) });
    const retried = await due(at('2026-01-21T02:46'));
    expect(retried.report.runs.map((r) => [r.site, r.status])).toEqual([['Broken Site', 'failed']]);
    expect(((await due(at('2026-01-21T03:10'))).report.skipped as Array<{ site: string }>).map((s) => s.site)).toContain('Broken Site');
  });

  it('takes weekly and cron schedules, and refuses a malformed cron expression with the field named', async () => {
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const bad = await sv(['site', 'add', 'Cron Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Local', '--files-cron', '0 25 * * *']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/hour field "25" is outside 0-23/);
    const weekly = await sv([
      'site',
      'add',
      'Weekly Site',
      '--url',
      url,
      '--password-env',
      'SHELL_PASSWORD',
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
      '--destination',
      'Local',
      '--staging',
      '--files-weekly',
      'monday',
      '--files-at',
      '03:00',
    ]);
    expect(weekly.code, weekly.stderr).toBe(0);
    const shown = await json(['site', 'show', 'Weekly Site', '--json']);
    expect(shown.schedule).toMatchObject({ files: { enabled: true, frequency: 'weekly', weekday: 1, time: '03:00' }, database: { enabled: false } });
    // A staging site with a schedule of its own runs on it (never backed up yet: due at once, files only).
    const dry = await json(['run-due', '--now', at('2026-01-25T12:00'), '--dry-run', '--json']);
    expect(dry.due).toContainEqual({ site: 'Weekly Site', kind: 'files' });
    await sv(['site', 'remove', 'Weekly Site']);
  });
});
