import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { startS3RequestCounter, type S3RequestCounter } from '../../harness/s3-request-counter';
import { generateSite } from '../../harness/site-generator';

/**
 * Providers bill per request: a backup that changes nothing must make a bounded number of
 * them, however many folders the site has and however many snapshots and index files the
 * repository holds. Counted on the wire, by a proxy in front of the test server.
 */
const PASS = `count ${randomBytes(4).toString('hex')}`;
/** A no-change backup: check the bucket, the key and config, list index, snapshots, locks and packs, write and remove its lock, write the snapshot. */
const NO_CHANGE_BOUND = 20;
let harness: HarnessInfo;
let counter: S3RequestCounter;
let work: string;
let home: string;
let site: string;
let prefix: string;
let folders: number;

const backup = async (tag: string) => {
  const s = harness.s3d!;
  counter.reset();
  const result = await runCli(
    [
      'backup',
      '--repo',
      `s3://${s.bucket}/${prefix}`,
      '--s3-endpoint',
      counter.endpoint,
      '--s3-region',
      s.region,
      '--s3-path-style',
      '--ca',
      s.caFile,
      '--source',
      site,
      '--site',
      'counted',
      '--tag',
      tag,
      '--json',
    ],
    { ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: PASS, SITEVAULT_S3_ACCESS_KEY_ID: s.accessKeyId, SITEVAULT_S3_SECRET_ACCESS_KEY: s.secretAccessKey },
  );
  if (result.code !== 0) throw new Error(`backup (${result.code}): ${result.stderr}`);
  return { summary: JSON.parse(result.stdout) as { files_new: number; files_changed: number; bytes_added: number }, requests: counter.counts() };
};

async function countFolders(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isDirectory()) count += 1 + (await countFolders(join(dir, entry.name)));
  return count;
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  counter = await startS3RequestCounter(harness.s3d!);
  work = await mkdtemp(join(tmpdir(), 'sv-s3-count-'));
  home = join(work, 'home');
  site = join(work, 'site');
  await generateSite(site, { seed: 's3-count', scale: 0.01, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'u', password: 'p' } });
  folders = await countFolders(site);
  prefix = `count/${randomBytes(4).toString('hex')}`;
  const s = harness.s3d!;
  const init = await runCli(['init', '--repo', `s3://${s.bucket}/${prefix}`, '--s3-endpoint', counter.endpoint, '--s3-region', s.region, '--s3-path-style', '--ca', s.caFile], {
    ...process.env,
    SITEVAULT_HOME: home,
    SITEVAULT_PASSPHRASE: PASS,
    SITEVAULT_S3_ACCESS_KEY_ID: s.accessKeyId,
    SITEVAULT_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
  });
  expect(init.code, init.stderr).toBe(0);
});
afterAll(async () => {
  await counter?.close();
  await rm(work, { recursive: true, force: true });
});

describe('requests of a no-change backup to S3', () => {
  it('stay under a fixed bound that does not grow with the site’s folders or the repository’s snapshots', { timeout: 300_000 }, async () => {
    const first = await backup('first');
    expect(first.summary.files_new).toBeGreaterThan(50);
    // The site has more folders than the bound: reading each folder's tree would exceed it.
    expect(folders).toBeGreaterThan(2 * NO_CHANGE_BOUND);

    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await backup(`again-${i}`));
    for (const run of runs) {
      expect(run.summary).toMatchObject({ files_new: 0, files_changed: 0 });
      expect(run.requests.total, JSON.stringify(run.requests)).toBeLessThanOrEqual(NO_CHANGE_BOUND);
    }
    // Five snapshots later, the same requests as after one.
    expect(runs.at(-1)!.requests).toEqual(runs[0]!.requests);
  });

  it('with an empty cache (another computer, a cleared cache), reads each stored object once, never a folder at a time', { timeout: 300_000 }, async () => {
    await rm(join(home, 'cache'), { recursive: true, force: true });
    const cold = await backup('cold');
    expect(cold.summary).toMatchObject({ files_new: 0, files_changed: 0 });
    // Six snapshots, one index file and one tree pack per backup that wrote any, the key, the config, the lock: far fewer than the folders.
    expect(cold.requests.GET ?? 0, JSON.stringify(cold.requests)).toBeLessThanOrEqual(6 + 2 + 4);
    expect(cold.requests.GET ?? 0).toBeLessThan(folders);
    const warm = await backup('warm');
    expect(warm.requests.total, JSON.stringify(warm.requests)).toBeLessThanOrEqual(NO_CHANGE_BOUND);
    expect(warm.requests.GET ?? 0).toBeLessThanOrEqual(3);
  });
});
