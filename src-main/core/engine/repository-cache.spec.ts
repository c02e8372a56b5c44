import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../backends/memory-backend';
import { backup } from './backup';
import { checkRepository } from './check';
import { Repository } from './repository';
import { restoreToFolder } from './restore';
import { listSnapshots } from './snapshots';
import { FaultyBackend, MemorySource, TEST_PASSPHRASE } from './testing';

/** Storage that asks for a cache, as object storage does; every call is recorded. */
class BilledBackend extends FaultyBackend {
  override get properties() {
    return { ...this.inner.properties, cacheMetadata: true };
  }
}

let cacheDir: string;
beforeEach(async () => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
  cacheDir = await mkdtemp(join(tmpdir(), 'sv-cache-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const folders = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`wp-content/plugins/p${i}/main.php`, `<?php // plugin ${i}`]));

async function setUp() {
  const memory = new MemoryBackend();
  await Repository.init(memory, TEST_PASSPHRASE);
  const storage = new BilledBackend(memory);
  const open = () => Repository.open(storage, TEST_PASSPHRASE, { local: { cacheDir } });
  const source = new MemorySource(folders);
  const first = await backup(await open(), source, { site: 'client' });
  return { memory, storage, open, source, first };
}

describe('the local cache of a repository on billed storage', { timeout: 30_000 }, () => {
  it('a no-change backup reads no snapshot, index file or folder from storage', async () => {
    const { storage, open, source } = await setUp();
    storage.calls.length = 0;
    await backup(await open(), source, { site: 'client' });
    expect(storage.count('read', 'snapshots/')).toBe(0);
    expect(storage.count('read', 'index/')).toBe(0);
    expect(storage.count('read', 'data/')).toBe(0);
  });

  it('a damaged or altered cache costs a read from storage, never a wrong result', async () => {
    const { storage, open, first } = await setUp();
    const repoDir = join(cacheDir, (await readdir(cacheDir))[0]!);
    for (const kind of ['snapshots', 'index', 'tree-packs']) {
      for (const name of await readdir(join(repoDir, kind))) await writeFile(join(repoDir, kind, name), 'garbage');
    }
    storage.calls.length = 0;
    const repo = await open();
    const [listed] = await listSnapshots(repo);
    expect(listed!.id).toBe(first.id);
    const target = await mkdtemp(join(tmpdir(), 'sv-cache-restore-'));
    try {
      await restoreToFolder(repo, listed!, target);
      expect((await readdir(join(target, 'wp-content', 'plugins'))).length).toBe(30);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
    expect(storage.count('read', 'snapshots/')).toBe(1);
    expect(storage.count('read', 'index/')).toBe(1);
    expect(storage.count('read', 'data/')).toBeGreaterThan(0);
  });

  it('check reads storage, not the cache: damage there is found even when the cached copy is intact', async () => {
    const { memory, open, first } = await setUp();
    await memory.write(`snapshots/${first.id}`, Buffer.from('damaged in storage'));
    const report = await checkRepository(await open());
    expect(report.damage).toEqual([expect.objectContaining({ kind: 'snapshot', id: first.id })]);
  });

  it('a cache that cannot be written (a full or read-only disk) only means reading from storage, each tree pack whole at most once', async () => {
    const memory = new MemoryBackend();
    await Repository.init(memory, TEST_PASSPHRASE);
    const storage = new BilledBackend(memory);
    const notAFolder = join(cacheDir, 'a-file');
    await writeFile(notAFolder, '');
    const open = () => Repository.open(storage, TEST_PASSPHRASE, { local: { cacheDir: notAFolder } });
    const source = new MemorySource(folders);
    await backup(await open(), source, { site: 'client' });
    storage.calls.length = 0;
    const again = await backup(await open(), source, { site: 'client' });
    expect(again.snapshot.stats.files_unchanged).toBe(30);
    // 33 folders (the root, wp-content, plugins and 30 plugins): a range read each, and one whole read of their pack.
    expect(storage.count('read', 'data/')).toBe(33 + 1);
  });

  it('forgets what storage no longer has', async () => {
    const { memory, open, first } = await setUp();
    const repoDir = join(cacheDir, (await readdir(cacheDir))[0]!);
    expect(await readdir(join(repoDir, 'snapshots'))).toEqual([first.id]);
    await memory.delete(`snapshots/${first.id}`);
    expect(await listSnapshots(await open())).toEqual([]);
    expect(await readdir(join(repoDir, 'snapshots'))).toEqual([]);
  });
});
