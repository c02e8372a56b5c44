import { beforeEach, describe, expect, it, vi } from 'vitest';
import { backup, DATABASE_DUMP_PATH } from '../engine/backup';
import { listSnapshots } from '../engine/snapshots';
import { MemorySource, memoryRepository } from '../engine/testing';
import { DATABASE_MISSING_TAG, summarizeSnapshots } from './site-summary';

beforeEach(() => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
});

// eslint-disable-next-line require-yield
async function* failingDump(): AsyncGenerator<Buffer> {
  throw new Error('Access denied for user wp@localhost');
}

async function* goodDump(): AsyncGenerator<Buffer> {
  yield Buffer.from('CREATE TABLE wp_posts (id int);\n');
}

describe('a dump that fails beside the files', () => {
  it('saves the files in a snapshot tagged database-missing, of kind files, with a warning; the summary says so and keeps the last dump', async () => {
    const repo = await memoryRepository();
    const source = new MemorySource({ 'index.php': '<?php', 'wp-config.php': '<?php // config' });
    const optional = { tag: DATABASE_MISSING_TAG, warning: (e: unknown) => `database missing: ${(e as Error).message}` };
    const good = await backup(repo, source, { site: 'client', kind: 'both', extraFiles: [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: goodDump, optional }] });
    const failed = await backup(repo, source, { site: 'client', kind: 'both', extraFiles: [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: failingDump, optional }] });

    expect(good.missing).toEqual([]);
    expect(failed.missing.map((m) => m.path)).toEqual([DATABASE_DUMP_PATH]);
    expect(failed.snapshot.kind).toBe('files');
    expect(failed.snapshot.tags).toContain(DATABASE_MISSING_TAG);
    expect(failed.snapshot.warnings).toContainEqual({ path: DATABASE_DUMP_PATH, message: 'database missing: Access denied for user wp@localhost' });
    expect(failed.snapshot.stats.files).toBe(2);

    const summary = summarizeSnapshots(await listSnapshots(repo), 'vault', true);
    expect(summary.snapshots).toBe(2);
    expect(summary.latest).toMatchObject({ id: failed.id, kind: 'files', databaseMissing: true, warnings: 1 });
    expect(summary.lastDatabase).toBe(good.snapshot.time);
  });

  it('fails the backup when the dump is not optional (a database-only backup)', async () => {
    const repo = await memoryRepository();
    const error = await backup(repo, new MemorySource({}), { site: 'client', kind: 'database', skipFiles: true, extraFiles: [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: failingDump }] }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('Access denied');
    expect(await listSnapshots(repo)).toEqual([]);
  });
});

describe('summarizeSnapshots', () => {
  it('leaves safety snapshots out of the count and the latest', async () => {
    const repo = await memoryRepository();
    const source = new MemorySource({ 'a.txt': 'a' });
    const own = await backup(repo, source, { site: 'client', time: new Date('2026-12-01T02:00:00Z') });
    await backup(repo, source, { site: 'client', tags: ['safety'], time: new Date('2026-12-02T02:00:00Z') });
    const summary = summarizeSnapshots(await listSnapshots(repo), 'vault', null);
    expect(summary.snapshots).toBe(1);
    expect(summary.latest?.id).toBe(own.id);
    expect(summary.lastDatabase).toBeNull();
  });
});
