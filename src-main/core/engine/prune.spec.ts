import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../backends/memory-backend';
import { backup } from './backup';
import { checkRepository } from './check';
import { prune } from './prune';
import { Repository } from './repository';
import { listSnapshots } from './snapshots';
import { MemorySource, TEST_PASSPHRASE } from './testing';

beforeEach(() => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
});

describe('prune', () => {
  it('deletes the data only forgotten snapshots used; what is kept still checks and reads', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    const source = new MemorySource({ 'old.bin': randomBytes(300_000), 'kept.txt': 'kept' });
    const old = await backup(repo, source, { site: 'client' });
    source.remove('old.bin');
    source.set('new.bin', randomBytes(300_000));
    const kept = await backup(repo, source, { site: 'client' });
    const before = (await memory.list('data')).reduce((sum, o) => sum + o.size, 0);

    await memory.delete(`snapshots/${old.id}`);
    const report = await prune(await Repository.open(memory, TEST_PASSPHRASE));

    expect(report.packsDeleted + report.packsRepacked).toBeGreaterThan(0);
    expect(report.bytesFreed).toBeGreaterThan(250_000);
    const after = await Repository.open(memory, TEST_PASSPHRASE);
    expect((await memory.list('data')).reduce((sum, o) => sum + o.size, 0)).toBeLessThan(before - 250_000);
    expect((await listSnapshots(after)).map((s) => s.id)).toEqual([kept.id]);
    const check = await checkRepository(after, { readDataPercent: 100 });
    expect(check.damage).toEqual([]);
    expect(await memory.list('locks')).toEqual([]);
  });

  it('keeps everything a snapshot still needs', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    await backup(repo, new MemorySource({ 'a.bin': randomBytes(100_000) }), { site: 'client' });
    const objects = (await memory.list('data')).map((o) => o.name).sort();
    const report = await prune(await Repository.open(memory, TEST_PASSPHRASE));
    expect(report).toMatchObject({ packsDeleted: 0, packsRepacked: 0, bytesFreed: 0 });
    expect((await memory.list('data')).map((o) => o.name).sort()).toEqual(objects);
  });

  it('refuses to prune while index files are damaged: their packs would look unused', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    await backup(repo, new MemorySource({ 'a.bin': randomBytes(100_000) }), { site: 'client' });
    const [index] = await memory.list('index');
    await memory.write(index!.name, Buffer.from('garbage'));
    const damaged = await Repository.open(memory, TEST_PASSPHRASE);
    await expect(prune(damaged)).rejects.toThrow(/index files are damaged/);
    expect((await memory.list('data')).length).toBeGreaterThan(0);
  });
});
