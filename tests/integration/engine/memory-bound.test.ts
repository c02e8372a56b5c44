import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-memory-'));
  for (let d = 0; d < 20; d++) {
    await mkdir(join(work, 'src', `d${d}`), { recursive: true });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(work, 'src', `d${d}`, `f${i}.txt`), `${d}/${i} `.repeat(100 + i))));
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('memory stays bounded by file count, not contents', () => {
  it('backs up 20,000 files (about 70 MB) twice inside a 96 MiB V8 heap', async () => {
    const env = { ...process.env, SITEVAULT_PASSPHRASE: 'm', NODE_OPTIONS: '--max-old-space-size=96' };
    const repo = join(work, 'repo');
    expect((await runCli(['init', '--repo', repo], env)).code).toBe(0);
    const first = await runCli(['backup', '--repo', repo, '--source', join(work, 'src'), '--site', 'm', '--json'], env);
    expect(first.stderr).not.toContain('heap out of memory');
    expect(JSON.parse(first.stdout)).toMatchObject({ files_new: 20_000 });
    const second = await runCli(['backup', '--repo', repo, '--source', join(work, 'src'), '--site', 'm', '--json'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ files_unchanged: 20_000, bytes_read: 0 });
  }, 120_000);
});
