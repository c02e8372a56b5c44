import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../backends/backend';
import { MemoryBackend } from '../backends/memory-backend';
import { RetryingBackend } from '../backends/wrappers';
import { ApiError } from '../contract/errors';
import { backup } from './backup';
import { Repository } from './repository';
import { listSnapshots } from './snapshots';
import { FaultyBackend, MemorySource, memoryRepository, TEST_PASSPHRASE, transientFailure } from './testing';

beforeEach(() => {
  // Seal on this thread: the specs' blobs are small.
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
});

describe('cancelling a backup while storage fails transiently', () => {
  it('returns CANCELLED at once instead of retrying with backoff; no attempt after the cancel; no snapshot, no lock left', async () => {
    const memory = new MemoryBackend();
    await Repository.init(memory, TEST_PASSPHRASE);
    const faulty = new FaultyBackend(memory);
    // Unlimited retries an hour apart: only the cancel can end this backup within the test.
    const repo = await Repository.open(new RetryingBackend(faulty, { maxRetries: 0, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 }), TEST_PASSPHRASE);
    const controller = new AbortController();
    faulty.fault = (op, name) => {
      if (op !== 'write' || !name.startsWith('data/')) return null;
      controller.abort();
      return transientFailure();
    };
    const source = new MemorySource({ 'index.php': randomBytes(200_000), 'wp-content/big.bin': randomBytes(300_000) });

    const error = await backup(repo, source, { site: 'client', signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('CANCELLED');
    // Each pack upload was tried once and never again.
    const attempts = faulty.calls.filter((c) => c.op === 'write' && c.name.startsWith('data/')).map((c) => c.name);
    expect(attempts.length).toBeGreaterThan(0);
    expect(new Set(attempts).size).toBe(attempts.length);
    const unsignalled = await Repository.open(memory, TEST_PASSPHRASE);
    expect(await listSnapshots(unsignalled)).toEqual([]);
    expect(await memory.list('locks')).toEqual([]);
  });
});

describe('backup', () => {
  it('stores a site, then reads only new and changed files: unchanged ones are taken from the parent', async () => {
    const repo = await memoryRepository();
    const source = new MemorySource({ 'index.php': '<?php echo 1;', 'wp-content/a.css': 'a { }', 'wp-content/b.js': 'let b;', link: { target: 'index.php' } });
    const first = await backup(repo, source, { site: 'client' });
    expect(first.snapshot.stats).toMatchObject({ files: 3, files_new: 3, files_changed: 0, files_unchanged: 0 });
    expect(source.reads.sort()).toEqual(['index.php', 'wp-content/a.css', 'wp-content/b.js']);

    source.reads.length = 0;
    const second = await backup(repo, source, { site: 'client' });
    expect(second.snapshot.stats).toMatchObject({ files: 3, files_new: 0, files_unchanged: 3 });
    expect(source.reads).toEqual([]);
    expect(second.snapshot.parent).toBe(first.id);
    expect(second.snapshot.tree).toBe(first.snapshot.tree);

    source.set('wp-content/a.css', 'a { color: red }');
    source.set('wp-content/new.txt', 'new');
    const third = await backup(repo, source, { site: 'client' });
    expect(source.reads.sort()).toEqual(['wp-content/a.css', 'wp-content/new.txt']);
    expect(third.snapshot.stats).toMatchObject({ files: 4, files_new: 1, files_changed: 1, files_unchanged: 2 });
    expect((await listSnapshots(repo)).map((s) => s.id).sort()).toEqual([first.id, second.id, third.id].sort());
  });

  it('stores identical content once', async () => {
    const repo = await memoryRepository();
    const data = randomBytes(100_000);
    const result = await backup(repo, new MemorySource({ 'a.bin': data, 'copy/a.bin': data }), { site: 'client' });
    expect(result.snapshot.stats.bytes).toBe(200_000);
    expect(result.snapshot.stats.bytes_added).toBeLessThan(150_000);
  });

  it('records a file it cannot read as a warning, and completes', async () => {
    const repo = await memoryRepository();
    const result = await backup(repo, new MemorySource({ 'ok.txt': 'fine', 'secret.txt': { unreadable: 'permission denied' } }), { site: 'client' });
    expect(result.snapshot.warnings).toEqual([{ path: 'secret.txt', message: 'permission denied' }]);
    expect(result.snapshot.stats.files).toBe(1);
  });

  it('a failed upload fails the backup: no snapshot, no lock left; the next backup completes', async () => {
    const memory = new MemoryBackend();
    await Repository.init(memory, TEST_PASSPHRASE);
    const faulty = new FaultyBackend(memory);
    const repo = await Repository.open(faulty, TEST_PASSPHRASE);
    faulty.fault = (op, name) => (op === 'write' && name.startsWith('data/') ? new BackendError('permanent', 'NO_SPACE', 'the disk is full') : null);
    const source = new MemorySource({ 'a.bin': randomBytes(50_000) });
    await expect(backup(repo, source, { site: 'client' })).rejects.toMatchObject({ code: 'NO_SPACE' });
    expect(await memory.list('snapshots')).toEqual([]);
    expect(await memory.list('locks')).toEqual([]);
    faulty.fault = () => null;
    const result = await backup(repo, source, { site: 'client' });
    expect(result.snapshot.stats.files_new).toBe(1);
    expect((await listSnapshots(repo)).map((s) => s.id)).toEqual([result.id]);
  });
});

describe('installations sharing a repository', () => {
  const open = (memory: MemoryBackend, installation: string | null) => Repository.open(memory, TEST_PASSPHRASE, { local: { installation } });

  it('records the installation, and takes the parent from its own snapshots of the site, not from another installation’s site of the same name', async () => {
    const memory = new MemoryBackend();
    await Repository.init(memory, TEST_PASSPHRASE);
    const source = new MemorySource({ 'index.php': '<?php echo 1;', 'style.css': 'a { }' });
    const a1 = await backup(await open(memory, 'aaaaaaaaaaaaaaaa'), source, { site: 'client' });
    expect(a1.snapshot.installation).toBe('aaaaaaaaaaaaaaaa');

    // Another installation's site that happens to have the same name: read in full, no parent.
    const other = new MemorySource({ 'index.php': '<?php echo 1;', 'style.css': 'a { }' });
    const b1 = await backup(await open(memory, 'bbbbbbbbbbbbbbbb'), other, { site: 'client' });
    expect(b1.snapshot).toMatchObject({ installation: 'bbbbbbbbbbbbbbbb', parent: null });
    expect(other.reads.sort()).toEqual(['index.php', 'style.css']);

    // Each installation's next backup follows its own.
    const a2 = await backup(await open(memory, 'aaaaaaaaaaaaaaaa'), source, { site: 'client' });
    expect(a2.snapshot.parent).toBe(a1.id);
    const b2 = await backup(await open(memory, 'bbbbbbbbbbbbbbbb'), other, { site: 'client' });
    expect(b2.snapshot.parent).toBe(b1.id);
  });

  it('still takes a parent from snapshots that record no installation (made before installations were recorded)', async () => {
    const memory = new MemoryBackend();
    await Repository.init(memory, TEST_PASSPHRASE);
    const source = new MemorySource({ 'index.php': '<?php echo 1;' });
    const old = await backup(await open(memory, null), source, { site: 'client' });
    expect(old.snapshot.installation).toBeNull();
    const [listed] = await listSnapshots(await open(memory, null));
    expect(listed!.installation ?? null).toBeNull();
    source.reads.length = 0;
    const next = await backup(await open(memory, 'cccccccccccccccc'), source, { site: 'client' });
    expect(next.snapshot.parent).toBe(old.id);
    expect(source.reads).toEqual([]);
  });
});
