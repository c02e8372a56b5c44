import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../backends/memory-backend';
import { backup } from './backup';
import { checkRepository } from './check';
import { Repository } from './repository';
import { MemorySource, TEST_PASSPHRASE } from './testing';

beforeEach(() => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
});

/** A repository with one snapshot; returns the name of its large data pack. */
async function oneSnapshot(memory: MemoryBackend): Promise<{ id: string; dataPack: string }> {
  const repo = await Repository.init(memory, TEST_PASSPHRASE);
  const { id } = await backup(repo, new MemorySource({ 'site/a.bin': randomBytes(200_000), 'site/b.txt': 'b' }), { site: 'client' });
  const dataPack = (await memory.list('data')).find((o) => o.size > 150_000)!.name;
  return { id, dataPack };
}

describe('checkRepository', () => {
  it('finds nothing wrong in a sound repository, reading every pack when asked', async () => {
    const memory = new MemoryBackend();
    await oneSnapshot(memory);
    const report = await checkRepository(await Repository.open(memory, TEST_PASSPHRASE), { readDataPercent: 100 });
    expect(report.damage).toEqual([]);
    expect(report.snapshots).toBe(1);
    expect(report.packsRead).toBe(report.packs);
    expect(report.packs).toBe((await memory.list('data')).length);
  });

  it('names a pack missing from storage and the snapshot that needs it', async () => {
    const memory = new MemoryBackend();
    const { id, dataPack } = await oneSnapshot(memory);
    await memory.delete(dataPack);
    const report = await checkRepository(await Repository.open(memory, TEST_PASSPHRASE));
    const packId = dataPack.slice('data/xx/'.length);
    expect(report.damage).toContainEqual(expect.objectContaining({ kind: 'pack', id: packId, message: expect.stringMatching(/missing from storage/) }));
    expect(report.damage).toContainEqual(expect.objectContaining({ kind: 'blob', snapshots: [id] }));
  });

  it('finds a flipped byte only by reading the data, and names the damaged snapshot', async () => {
    const memory = new MemoryBackend();
    const { id, dataPack } = await oneSnapshot(memory);
    const bytes = await memory.read(dataPack);
    bytes[1000]! ^= 0xff;
    await memory.write(dataPack, bytes);
    const repo = await Repository.open(memory, TEST_PASSPHRASE);
    expect((await checkRepository(repo)).damage).toEqual([]);
    const report = await checkRepository(repo, { readDataPercent: 100 });
    expect(report.damage.length).toBeGreaterThan(0);
    expect(report.damage.every((d) => d.snapshots?.includes(id))).toBe(true);
  });
});
