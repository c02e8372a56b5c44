import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog';

describe('Catalog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sv-catalog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('several processes recording at once (the app, commands, run-due) lose no run', async () => {
    const module = fileURLToPath(new URL('./catalog.ts', import.meta.url));
    const recorder = (id: number) =>
      promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { Catalog } = await import(${JSON.stringify(module)});
           const catalog = new Catalog(${JSON.stringify(dir)});
           const time = new Date().toISOString();
           await Promise.all(Array.from({ length: 15 }, (_, i) => catalog.recordRun({ site: 'p${id}', kind: 'both', started: time, finished: time, status: 'succeeded', snapshot: 'p${id}-' + i, error: null, removed: 0 })));`,
        ],
        { cwd: fileURLToPath(new URL('../../..', import.meta.url)) },
      );
    await Promise.all([recorder(1), recorder(2), recorder(3), recorder(4)]);
    const { history, sites } = await new Catalog(dir).read();
    expect(history).toHaveLength(60);
    expect(Object.keys(sites).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect((await readdir(dir)).sort()).toEqual(['catalog.json']);
  }, 60_000);

  it('keeps each site’s last result, last good backup and failure streak, whoever recorded them', async () => {
    const catalog = new Catalog(dir);
    const run = (finished: string, status: 'succeeded' | 'failed', error: string | null = null) =>
      catalog.recordRun({ site: 'Acme', kind: 'both', started: finished, finished, status, snapshot: status === 'succeeded' ? 'abc' : null, error, code: error ? 'CONNECTION' : null, removed: 0 });
    await run('2026-12-01T02:00:00.000Z', 'succeeded');
    await run('2026-12-02T02:00:00.000Z', 'failed', 'Connection refused');
    await run('2026-12-03T02:00:00.000Z', 'failed', 'Connection refused again');
    // A run that started earlier but finished later than the record (another process) does not rewind it.
    await run('2026-12-01T12:00:00.000Z', 'succeeded');
    let record = await catalog.lastRuns('Acme');
    expect(record.lastGood).toBe('2026-12-01T02:00:00.000Z');
    expect(record.failures).toBe(2);
    expect(record.failingSince).toBe('2026-12-02T02:00:00.000Z');
    expect(record.lastRun).toEqual({ status: 'failed', finished: '2026-12-03T02:00:00.000Z', error: 'Connection refused again', code: 'CONNECTION', hint: null });

    // Damage found when reading back: made, but not a good backup.
    await run('2026-12-03T08:00:00.000Z', 'succeeded', 'reading it back found damage');
    expect((await catalog.lastRuns('Acme')).failures).toBe(3);

    await run('2026-12-04T02:00:00.000Z', 'succeeded');
    record = await catalog.lastRuns('Acme');
    expect(record).toMatchObject({ lastGood: '2026-12-04T02:00:00.000Z', failures: 0, failingSince: null });
  });

  it('accepting changed database settings makes them the reference: a change back warns again', async () => {
    const catalog = new Catalog(dir);
    expect(await catalog.noteDatabaseSettings('Acme', { host: '127.0.0.1:3306', name: 'wp' }, '2026-12-01T00:00:00.000Z')).toBeNull();
    expect(await catalog.noteDatabaseSettings('Acme', { host: 'db.other.example', name: 'wp' }, '2026-12-02T00:00:00.000Z')).toEqual({ host: '127.0.0.1:3306', name: 'wp' });
    await catalog.acceptDatabaseSettings('Acme', '2026-12-02T01:00:00.000Z');
    expect(await catalog.noteDatabaseSettings('Acme', { host: 'db.other.example', name: 'wp' }, '2026-12-02T02:00:00.000Z')).toBeNull();
    expect(await catalog.noteDatabaseSettings('Acme', { host: '127.0.0.1:3306', name: 'wp' }, '2026-12-03T00:00:00.000Z')).toEqual({ host: 'db.other.example', name: 'wp' });
  });

  it("a run whose database failed keeps the files' time, but neither the database's nor the last good one; a summary keeps what the backup found of WordPress", async () => {
    const catalog = new Catalog(dir);
    const time = '2026-12-03T02:00:00.000Z';
    await catalog.recordRun(
      {
        site: 'Acme',
        kind: 'both',
        started: time,
        finished: time,
        status: 'failed',
        snapshot: 'abc',
        error: 'Files backed up (snapshot abc), but the database wp could not be dumped: Access denied',
        code: 'DATABASE_FAILED',
        removed: 0,
      },
      { filesSaved: true },
    );
    const record = await catalog.lastRuns('Acme');
    expect(record).toMatchObject({ files: time, database: null, lastGood: null, failures: 1, failingSince: time, lastRun: { status: 'failed', code: 'DATABASE_FAILED' } });

    const latest = { id: 'abc', time, kind: 'files' as const, bytes: 10, warnings: 1, databaseMissing: true };
    await catalog.recordSummary('Acme', { destination: 'Vault', snapshots: 1, latest, lastDatabase: null, wordpress: true, updated: time });
    // A forget refreshes it without knowing about WordPress: what the backup found stays.
    await catalog.recordSummary('Acme', { destination: 'Vault', snapshots: 0, latest: null, lastDatabase: null, wordpress: null, updated: time });
    expect((await catalog.lastRuns('Acme')).summary).toMatchObject({ snapshots: 0, latest: null, wordpress: true });
  });
});
