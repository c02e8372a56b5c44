import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo } from '../../harness/harness';
import type { S3dInfo } from '../../harness/s3d';
import { run } from '../../harness/system';

let s3d: S3dInfo;
let work: string;
beforeAll(async () => {
  const info = await loadHarnessInfo();
  if (!info.s3d) throw new Error('harness started without the S3 server');
  s3d = info.s3d;
  work = await mkdtemp(join(tmpdir(), 'sv-s3-harness-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// The benchmark compares SiteVault with restic on this server, so restic must work on it too.
describe('harness S3 server (Swift s3api) with a second client', () => {
  it('restic (minio-go) initialises, backs up, checks and restores over https', async () => {
    const source = join(work, 'source');
    await mkdir(join(source, 'sub'), { recursive: true });
    await writeFile(join(source, 'random.bin'), randomBytes(3 * 1024 * 1024));
    await writeFile(join(source, 'sub', 'note.txt'), 'hello');
    const env = { ...process.env, AWS_ACCESS_KEY_ID: s3d.accessKeyId, AWS_SECRET_ACCESS_KEY: s3d.secretAccessKey, RESTIC_PASSWORD: 'restic test', RESTIC_CACHE_DIR: join(work, 'cache') };
    const repo = ['--cacert', s3d.caFile, '-r', `s3:${s3d.endpoint}/${s3d.bucket}/restic-${randomBytes(4).toString('hex')}`];
    await run('restic', [...repo, 'init'], { env });
    await run('restic', [...repo, 'backup', '.'], { env, cwd: source });
    await run('restic', [...repo, 'check', '--read-data'], { env });
    const target = join(work, 'restored');
    await run('restic', [...repo, 'restore', 'latest', '--target', target], { env });
    expect(await describeTree(target, { mtimes: false })).toEqual(await describeTree(source, { mtimes: false }));
  });
});
