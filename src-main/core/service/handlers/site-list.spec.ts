import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Catalog } from '../../automation/catalog';
import { backup } from '../../engine/backup';
import type { Repository } from '../../engine/repository';
import { MemorySource, memoryRepository } from '../../engine/testing';
import { siteSchema } from '../../settings/settings-store';
import type { ServiceContext } from '../context';
import { EventBus } from '../event-bus';
import { siteHandlers } from './site';

let dir: string;
beforeEach(async () => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
  dir = await mkdtemp(join(tmpdir(), 'sv-site-list-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The parts of the service site:list uses: real catalog and repository, sites and secrets in memory, opened repositories counted. */
function context(shell: ServiceContext['shell'], repo: Repository, catalog: Catalog) {
  const sites = [siteSchema.parse({ name: 'Old', url: 'sftp://u@127.0.0.1:2/srv/old', destination: 'Vault' }), siteSchema.parse({ name: 'New', url: 'sftp://u@127.0.0.1:2/srv/new', destination: 'Vault' })];
  const opened: string[] = [];
  const events = new EventBus();
  const changed = new Promise<void>((resolve) => events.subscribe((e) => e.name === 'catalog:changed' && resolve()));
  const ctx = {
    shell,
    catalog,
    events,
    schedulerActive: false,
    sites: { list: () => sites, find: (name: string) => sites.find((s) => s.name === name), presence: async () => async () => false },
    destinations: {
      withRepository: async <T>(name: string, work: (r: Repository) => Promise<T>) => {
        opened.push(name);
        return work(repo);
      },
    },
  } as unknown as ServiceContext;
  return { handlers: siteHandlers(ctx), opened, changed };
}

describe('site:list and the catalog summaries', () => {
  it('fills, once and in the background, the summary of a site the catalog knows from before summaries were kept; a site never backed up opens nothing', async () => {
    const repo = await memoryRepository();
    const made = await backup(repo, new MemorySource({ 'index.php': '<?php' }), { site: 'Old' });
    const catalog = new Catalog(dir);
    await catalog.recordRun({ site: 'Old', kind: 'files', started: made.snapshot.time, finished: made.snapshot.time, status: 'succeeded', snapshot: made.id, error: null, removed: 0 });
    const { handlers, opened, changed } = context('headless', repo, catalog);

    const first = await handlers['site:list']({});
    expect(first.sites.map((s) => [s.name, s.summary])).toEqual([
      ['Old', null],
      ['New', null],
    ]);
    await changed;
    const second = await handlers['site:list']({});
    expect(second.sites[0]!.summary).toMatchObject({ snapshots: 1, latest: { kind: 'files', databaseMissing: false } });
    await handlers['site:list']({});
    expect(opened).toEqual(['Vault']);
  });

  it('a command lists without opening any repository', async () => {
    const repo = await memoryRepository();
    const catalog = new Catalog(dir);
    await catalog.recordRun({ site: 'Old', kind: 'files', started: '2026-12-01T00:00:00.000Z', finished: '2026-12-01T00:00:00.000Z', status: 'succeeded', snapshot: 'x', error: null, removed: 0 });
    const { handlers, opened } = context('cli', repo, catalog);
    expect((await handlers['site:list']({})).sites).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened).toEqual([]);
  });
});
