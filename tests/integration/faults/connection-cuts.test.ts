import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite, type SiteHost } from '../../harness/site-placement';

const CUTS = 20;
const PASS = 'connection cuts passphrase';
let harness: HarnessInfo;
let home: string;
let work: string;
const proxies: FaultProxy[] = [];
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: PASS,
  ...accountPasswordEnv(harness),
  ...extra,
});
const { sv, json } = cliWith(env);

/** Words a person can act on; never the catch-all for bugs. */
const CLEAR_ERROR = /connection|closed|reset|lost|timed out|ECONNRESET|EPIPE|end of (the )?stream|ended/i;

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-cuts-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-cuts-work-'));
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

interface Case {
  host: SiteHost;
  url: (placed: PlacedSite, port: number) => string;
  secret: string;
  extra: string[];
  target: () => { host: string; port: number };
  ftp: boolean;
}

const cases: Record<string, Case> = {
  'SSH with a shell': {
    host: 'ssh-shell',
    url: (placed, port) => `sftp://${harness.sshd!.shell.username}@127.0.0.1:${port}${placed.remotePath}`,
    secret: 'SHELL_PASSWORD',
    extra: [],
    target: () => ({ host: '127.0.0.1', port: harness.sshd!.port }),
    ftp: false,
  },
  'SFTP only': {
    host: 'sftp-only',
    url: (placed, port) => `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${port}${placed.remotePath}`,
    secret: 'SFTP_PASSWORD',
    extra: ['--db', 'none'],
    target: () => ({ host: '127.0.0.1', port: harness.sshd!.port }),
    ftp: false,
  },
  FTP: {
    host: 'ftp',
    url: (placed, port) => `ftp://${harness.ftpd!.username}@127.0.0.1:${port}${placed.remotePath}`,
    secret: 'FTP_PASSWORD',
    extra: ['--db', 'none'],
    target: () => ({ host: '127.0.0.1', port: harness.ftpd!.port }),
    ftp: true,
  },
};

describe.each(Object.entries(cases))(`a backup over %s with the connection cut at ${CUTS} points`, (label, c) => {
  it(
    'finishes after retries or fails with a clear error; the repository stays sound; a later backup restores the site exactly',
    async () => {
      const name = `cuts-${c.host}`;
      const placed = await placeSite(harness, c.host, name);
      const proxy = await startFaultProxy(c.target(), { ftp: c.ftp });
      proxies.push(proxy);
      const trust = c.host === 'ftp' ? [] : ['--host-key', harness.sshd!.hostKeyFingerprint];
      const added = await sv(['site', 'add', label, '--url', c.url(placed, proxy.port), '--password-env', c.secret, ...trust, '--max-retries', '2', '--timeout', '10', ...c.extra]);
      expect(added.code, added.stderr).toBe(0);
      const excluded = /^wp-content\/(cache|updraft|ai1wm-backups|backups-dup-lite|backup-db|backupwordpress-[^/]*|uploads\/backwpup-[^/]*|et-cache|litespeed)(\/|$)/;
      const site = await describeTree(placed.diskPath);
      const kept = Object.keys(site).filter((path) => !excluded.test(path));
      expect(kept.length).toBeGreaterThan(20);
      const expectRestoresSite = async (repo: string, id: string, where: string) => {
        const target = join(work, `${name}-restored`);
        expect((await sv(['restore', '--repo', repo, id, '--target', target])).code).toBe(0);
        const back = await describeTree(target);
        for (const path of kept) expect(back[path], `${where}: ${path}`).toBe(site[path]);
        await rm(target, { recursive: true, force: true });
      };

      // A clean first backup through the proxy measures how many bytes a full backup moves.
      const measure = join(work, `${name}-measure`);
      expect((await sv(['init', '--repo', measure])).code).toBe(0);
      proxy.setFaults({});
      const clean = await sv(['backup', '--repo', measure, '--site', label, '--json']);
      expect(clean.code, clean.stderr).toBe(0);
      const total = proxy.stats().bytes;
      expect(total).toBeGreaterThan(100_000);

      // Each cut hits a first backup into its own repository, at a point spread over the transfer.
      const outcomes: Array<{ at: number; code: number; cut: boolean }> = [];
      for (let i = 0; i < CUTS; i++) {
        const at = Math.round((total * (i + 0.5)) / CUTS);
        const repo = join(work, `${name}-${i}`);
        expect((await sv(['init', '--repo', repo])).code).toBe(0);
        proxy.setFaults({ cutAfterBytes: at });
        const run = await sv(['backup', '--repo', repo, '--site', label, '--json']);
        outcomes.push({ at, code: run.code, cut: proxy.stats().cut });
        const where = `cut at byte ${at} of ${total}`;
        if (run.code !== 0) {
          expect(run.stderr, `${where}: exit ${run.code}, stdout ${run.stdout.slice(0, 500)}`).toMatch(CLEAR_ERROR);
          expect(run.stderr, where).not.toMatch(/unexpected error|internal error|TypeError|undefined/);
          expect(run.stderr).not.toContain(harness.sshd!.shell.password);
        }
        const check = await sv(['check', '--repo', repo, '--read-data']);
        expect(check.code, `${where}: ${check.stdout}${check.stderr}`).toBe(0);
        // No snapshot is visible unless its backup finished, and one that finished is whole.
        const listed = await json(['snapshots', '--repo', repo, '--json']);
        expect(listed, where).toHaveLength(run.code === 0 ? 1 : 0);
        if (run.code === 0) {
          expect(listed[0].warnings, `${where}: a cut must be retried, not recorded as files missing: ${run.stdout.slice(0, 800)}`).toBe(0);
          await expectRestoresSite(repo, listed[0].id, `${where} (the cut backup)`);
        }

        // The next backup (no faults) completes, over what the cut one left, and restores the site exactly.
        proxy.setFaults({});
        const again = await sv(['backup', '--repo', repo, '--site', label, '--json']);
        expect(again.code, `${where}, then: ${again.stderr}`).toBe(0);
        await expectRestoresSite(repo, JSON.parse(again.stdout).id, `${where}, then`);
        await rm(repo, { recursive: true, force: true });
      }
      expect(outcomes.every((o) => o.cut), 'every cut point falls inside the transfer').toBe(true);
      console.log(`${label}: ${total} bytes per full backup; ${CUTS} cuts: ${outcomes.filter((o) => o.code === 0).length} finished after retries, ${outcomes.filter((o) => o.code !== 0).length} failed with a clear error`);
    },
    300_000,
  );
});
