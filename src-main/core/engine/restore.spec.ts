import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../backends/memory-backend';
import { backup } from './backup';
import { Repository } from './repository';
import { restoreToFolder } from './restore';
import { MemorySource, TEST_PASSPHRASE } from './testing';

let target: string;
beforeEach(async () => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
  target = await mkdtemp(join(tmpdir(), 'sv-restore-spec-'));
});
afterEach(async () => {
  await rm(target, { recursive: true, force: true });
});

describe('restoreToFolder', () => {
  it('restores contents, folders, symlinks, modes and mtimes exactly', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    // Large enough to span several chunks: a file is rebuilt from blobs at their offsets.
    const big = randomBytes(3 * 1024 * 1024);
    const source = new MemorySource({
      'index.php': { content: '<?php echo 1;', mode: 0o640, mtime: Date.UTC(2025, 4, 6, 7, 8, 9) },
      'wp-content/uploads/big.bin': big,
      'wp-content/empty.txt': '',
      latest: { target: 'wp-content/uploads/big.bin' },
    });
    const { id, snapshot } = await backup(repo, source, { site: 'client' });

    const result = await restoreToFolder(repo, { ...snapshot, id }, target);

    expect(result).toMatchObject({ files: 3, symlinks: 1, bytes: big.length + 13, failed: [] });
    expect((await readFile(join(target, 'wp-content/uploads/big.bin'))).equals(big)).toBe(true);
    expect(await readFile(join(target, 'index.php'), 'utf8')).toBe('<?php echo 1;');
    expect(await readFile(join(target, 'wp-content/empty.txt'), 'utf8')).toBe('');
    const php = await lstat(join(target, 'index.php'));
    expect(php.mode & 0o7777).toBe(0o640);
    expect(php.mtimeMs).toBe(Date.UTC(2025, 4, 6, 7, 8, 9));
    expect(await readlink(join(target, 'latest'))).toBe('wp-content/uploads/big.bin');
  });

  it('restores what it can when a pack is gone, and names each file it could not restore', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    const source = new MemorySource({ 'first.bin': randomBytes(200_000) });
    await backup(repo, source, { site: 'client' });
    const firstPacks = new Set((await memory.list('data')).map((o) => o.name));
    source.set('second.bin', randomBytes(200_000));
    const { id, snapshot } = await backup(repo, source, { site: 'client' });
    // The second backup's data pack (second.bin; its trees are in a small pack of their own) disappears.
    const added = (await memory.list('data')).filter((o) => !firstPacks.has(o.name));
    const dataPack = added.find((o) => o.size > 150_000);
    expect(added.length).toBe(2);
    await memory.delete(dataPack!.name);

    const result = await restoreToFolder(repo, { ...snapshot, id }, target);

    expect(result.files).toBe(1);
    expect(result.failed.map((f) => f.path)).toEqual(['second.bin']);
    expect(result.failed[0]!.message).toMatch(/cannot be read/);
    expect((await readFile(join(target, 'first.bin'))).length).toBe(200_000);
    await expect(lstat(join(target, 'second.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
