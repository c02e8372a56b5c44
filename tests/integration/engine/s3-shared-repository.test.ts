import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStorageLocation } from '../../../src-main/core/backends/location';
import { openBackend } from '../../../src-main/core/backends/open-backend';
import { lockRepository } from '../../../src-main/core/engine/locks';
import { Repository } from '../../../src-main/core/engine/repository';
import { runCli } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { waitFor } from '../../harness/processes';
import { generateSite } from '../../harness/site-generator';

/**
 * Two SiteVault installations (two SITEVAULT_HOMEs, two processes) share one repository in
 * an S3 bucket, through the CLI's `--repo s3://…`: concurrent backups, and a prune while a
 * backup runs, which the locks refuse (shared for backup, exclusive for prune).
 */
const PASS = `shared ${randomBytes(4).toString('hex')}`;
let harness: HarnessInfo;
let work: string;
let homes: { a: string; b: string };
let sites: { a: string; b: string };
let prefix: string;
let proxy: FaultProxy;
let admin: S3Client;

const repoArgs = (endpoint = harness.s3d!.endpoint) => {
  const s = harness.s3d!;
  return ['--repo', `s3://${s.bucket}/${prefix}`, '--s3-endpoint', endpoint, '--s3-region', s.region, '--s3-path-style', '--ca', s.caFile];
};
const env = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: PASS,
  SITEVAULT_S3_ACCESS_KEY_ID: harness.s3d!.accessKeyId,
  SITEVAULT_S3_SECRET_ACCESS_KEY: harness.s3d!.secretAccessKey,
});
const sv = (home: string, args: string[], endpoint?: string) => runCli([...args, ...repoArgs(endpoint)], env(home));
const ok = async (home: string, args: string[], endpoint?: string) => {
  const result = await sv(home, args, endpoint);
  if (result.code !== 0) throw new Error(`sitevault ${args.join(' ')} (${result.code}): ${result.stderr}`);
  return result.stdout;
};

async function lockCount(): Promise<number> {
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: harness.s3d!.bucket, Prefix: `${prefix}/locks/` }));
  return listed.KeyCount ?? 0;
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  const s = harness.s3d!;
  work = await mkdtemp(join(tmpdir(), 'sv-s3-shared-'));
  homes = { a: join(work, 'home-a'), b: join(work, 'home-b') };
  sites = { a: join(work, 'site-a'), b: join(work, 'site-b') };
  const db = { host: '127.0.0.1', port: 3306, name: 'wp', user: 'u', password: 'p' };
  await generateSite(sites.a, { seed: 'shared-a', scale: 0.004, db });
  await generateSite(sites.b, { seed: 'shared-b', scale: 0.004, db });
  // Large enough that a backup spends a while uploading.
  await writeFile(join(sites.b, 'video.bin'), randomBytes(24 * 1024 * 1024));
  prefix = `shared/${randomBytes(4).toString('hex')}`;
  proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s.endpoint).port) });
  admin = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(s.caFile) }) }),
  });
  await ok(homes.a, ['init']);
});
afterAll(async () => {
  admin.destroy();
  await proxy.close();
  await rm(work, { recursive: true, force: true });
});

describe('one S3 repository shared by two installations', () => {
  it('two installations back up different sites at the same time, and each sees both', async () => {
    const [a, b] = await Promise.all([ok(homes.a, ['backup', '--source', sites.a, '--site', 'client-a', '--json']), ok(homes.b, ['backup', '--source', sites.b, '--site', 'client-b', '--json'])]);
    const ids = [JSON.parse(a).id, JSON.parse(b).id];
    // Each installation (data folder) has its own id, recorded in the snapshots it makes.
    const installation = async (home: string) => JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).installation as string;
    const installations = { a: await installation(homes.a), b: await installation(homes.b) };
    expect(installations.a).toMatch(/^[0-9a-f]{16}$/);
    expect(installations.b).toMatch(/^[0-9a-f]{16}$/);
    expect(installations.a).not.toBe(installations.b);
    for (const home of [homes.a, homes.b]) {
      const list = JSON.parse(await ok(home, ['snapshots', '--json'])) as Array<{ id: string; site: string; installation: string; hostname: string }>;
      expect(list.map((s) => s.site).sort()).toEqual(['client-a', 'client-b']);
      expect(list.map((s) => s.id).sort()).toEqual([...ids].sort());
      expect(Object.fromEntries(list.map((s) => [s.site, s.installation]))).toEqual({ 'client-a': installations.a, 'client-b': installations.b });
      expect(list.every((s) => s.hostname === hostname())).toBe(true);
      // In words too: the two installations' lines differ where they would otherwise look alike.
      const text = await ok(home, ['snapshots']);
      expect(text).toContain(`installation ${installations.a.slice(0, 8)}`);
      expect(text).toContain(`installation ${installations.b.slice(0, 8)}`);
    }
    expect(await lockCount()).toBe(0);
  });

  it('a prune while the other installation backs up is refused, and the backup completes', async () => {
    await writeFile(join(sites.b, 'more.bin'), randomBytes(16 * 1024 * 1024));
    // Installation B backs up through the proxy; once its lock is in the bucket, the proxy
    // holds B's traffic, so the backup is certainly still running while A prunes.
    const backup = sv(homes.b, ['backup', '--source', sites.b, '--site', 'client-b', '--json'], `https://127.0.0.1:${proxy.port}`);
    try {
      await waitFor('the backup’s lock in the bucket', async () => (await lockCount()) > 0, 30_000);
      proxy.setFaults({ blackHole: true });
      const prune = await sv(homes.a, ['prune']);
      expect(prune.code).not.toBe(0);
      expect(prune.stderr).toMatch(/locked by backup \(shared/);
    } finally {
      proxy.setFaults({});
    }
    const result = await backup;
    expect(result.code, result.stderr).toBe(0);
    expect(await lockCount()).toBe(0);
  });

  it('a backup while a prune holds the exclusive lock is refused', async () => {
    const s = harness.s3d!;
    const location = parseStorageLocation(`s3://${s.bucket}/${prefix}`, { endpoint: s.endpoint, region: s.region, pathStyle: true, accessKeyId: s.accessKeyId });
    const repo = await Repository.open(openBackend(location, { password: s.secretAccessKey, caFile: s.caFile }), PASS, { loadIndex: false });
    const lock = await lockRepository(repo, 'prune', true);
    try {
      const backup = await sv(homes.a, ['backup', '--source', sites.a, '--site', 'client-a']);
      expect(backup.code).not.toBe(0);
      expect(backup.stderr).toMatch(/locked by prune \(exclusive/);
    } finally {
      await lock.release();
      await repo.backend.close();
    }
  });

  it('after forget and prune from one installation, the other restores everything and the check passes', { timeout: 180_000 }, async () => {
    const before = JSON.parse(await ok(homes.b, ['snapshots', '--json'])) as Array<{ id: string; site: string }>;
    expect(before.filter((s) => s.site === 'client-b')).toHaveLength(2);
    await ok(homes.a, ['forget', '--site', 'client-b', '--keep-last', '1', '--prune']);
    for (const [home, site, name] of [
      [homes.b, sites.a, 'client-a'],
      [homes.a, sites.b, 'client-b'],
    ] as const) {
      const target = join(work, `restored-${name}-${home === homes.a ? 'a' : 'b'}`);
      const list = JSON.parse(await ok(home, ['snapshots', '--site', name, '--json'])) as Array<{ id: string }>;
      expect(list).toHaveLength(1);
      await ok(home, ['restore', list[0]!.id, '--target', target]);
      expect(await describeTree(target)).toEqual(await describeTree(site));
    }
    await ok(homes.b, ['check', '--read-data']);
  });
});
