import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MapKeychain } from '../../../../tests/helpers/map-keychain';
import { fileZillaExport } from '../../../../tests/helpers/filezilla-export';
import type { Envelope } from '../../contract/errors';
import type { SiteImportSummary } from '../../contract/operations';
import { openCore, type Core } from '../../open-core';
import { destinationSchema } from '../../settings/settings-store';
import { dispatch } from '../dispatch';
import { freeSiteName, SCHEDULE_UNTIL_CONFIRMED } from './site-import';
import { effectiveSchedule, nextRun } from '../../automation/schedule';

const EXPORT = fileZillaExport([{ name: 'Shop', host: 'shop.example', port: 22, protocol: 1, user: 'shop', password: 'shop-secret', remoteDir: ['srv', 'shop'] }], {
  Clients: [
    { name: 'Acme', host: 'ftp.acme.example', port: 21, protocol: 4, user: 'acme', password: 'acme-secret' },
    { name: 'Bucket', host: 's3.example', port: 443, protocol: 7, user: 'k' },
  ],
});

describe('site:import', () => {
  let dir: string;
  let keychain: MapKeychain;
  let core: Core;
  const run = async (input: Record<string, unknown>) => (await dispatch(core.handlers, 'site:import', input)) as Envelope<SiteImportSummary>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitevault-import-'));
    keychain = new MapKeychain();
    core = await openCore({ shell: 'cli', env: { SITEVAULT_HOME: dir }, secrets: keychain });
    await core.settings.update(async (draft) => {
      draft.destinations.push(destinationSchema.parse({ name: 'offsite', url: join(dir, 'repo') }));
    });
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('saves each site with its password in the keychain only, nothing pinned, every one needing attention', async () => {
    const envelope = await run({ format: 'filezilla', content: EXPORT, destination: 'offsite' });
    expect(envelope.ok).toBe(true);
    const summary = envelope.ok ? envelope.result : null;
    expect(summary!.imported.map((s) => [s.name, s.url, s.destination])).toEqual([
      ['Shop', 'sftp://shop@shop.example:22/srv/shop', 'offsite'],
      ['Clients-Acme', 'ftps://acme@ftp.acme.example:21/~', 'offsite'],
    ]);
    expect(summary!.skipped).toEqual([{ entry: 'Clients/Bucket', reason: expect.stringMatching(/protocol is Amazon S3/) }]);
    expect(summary!.needsAttention.map((a) => [a.name, a.confirm])).toEqual([
      ['Shop', 'ssh-host-key'],
      ['Clients-Acme', 'tls-certificate'],
    ]);
    expect(keychain.entries.get('site:Shop:password')).toBe('shop-secret');
    expect(keychain.entries.get('site:Clients-Acme:password')).toBe('acme-secret');
    const file = await readFile(join(dir, 'settings.json'), 'utf8');
    expect(file).not.toContain('shop-secret');
    expect(file).not.toContain('acme-secret');
    expect(core.sites.get('Shop')).toMatchObject({ hostKey: null, tlsFingerprint: null, destination: 'offsite' });
    // Not backed up on a schedule before its server is confirmed (the scheduler would log in).
    expect(core.sites.get('Shop').schedule).toEqual(SCHEDULE_UNTIL_CONFIRMED);
    expect(nextRun(effectiveSchedule(core.sites.get('Shop')), new Date())).toBeNull();
    expect(summary!.needsAttention[0]!.reasons).toContain('It is not backed up on a schedule until then.');
  });

  it('never replaces a saved site: a second import of the same file gets -2 names', async () => {
    await run({ format: 'filezilla', content: EXPORT, destination: null });
    const again = await run({ format: 'filezilla', content: EXPORT, destination: null });
    expect(again.ok && again.result.imported.map((s) => [s.name, s.renamedFrom])).toEqual([
      ['Shop-2', 'Shop'],
      ['Clients-Acme-2', 'Clients-Acme'],
    ]);
    expect(keychain.entries.get('site:Shop:password')).toBe('shop-secret');
    expect(core.sites.list()).toHaveLength(4);
  });

  it('a dry run saves nothing and stores no secret', async () => {
    const envelope = await run({ format: 'csv', content: 'name,host,user,password\nA,a.example,u,pw\nA,b.example,u,pw\n', destination: null, dryRun: true });
    expect(envelope.ok && envelope.result.imported.map((s) => s.name)).toEqual(['A', 'A-2']);
    expect(core.sites.list()).toEqual([]);
    expect(keychain.entries.size).toBe(0);
  });

  it('refuses an unknown destination, skips rows naming one, and skips a site whose secret cannot be stored', async () => {
    expect(await run({ format: 'csv', content: 'host,user\na.example,u\n', destination: 'nowhere' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const rows = await run({ format: 'csv', content: 'host,user,destination\na.example,u,elsewhere\n', destination: null });
    expect(rows.ok && rows.result.skipped).toEqual([{ entry: 'row 1', reason: 'no destination named elsewhere' }]);
    keychain.failWrites = true;
    const locked = await run({ format: 'csv', content: 'host,user,password\nb.example,u,pw\n', destination: null });
    expect(locked.ok && locked.result.skipped).toEqual([{ entry: 'row 1', reason: expect.stringMatching(/.+/) }]);
    expect(core.sites.list()).toEqual([]);
  });

  it('suffixes within 40 characters', () => {
    expect(freeSiteName('a', new Set())).toBe('a');
    expect(freeSiteName('a', new Set(['a', 'a-2']))).toBe('a-3');
    // Case ignored, as Windows' keychain does: Acme beside acme would share its entries.
    expect(freeSiteName('Acme', new Set(['acme']))).toBe('Acme-2');
    expect(freeSiteName('x'.repeat(40), new Set(['x'.repeat(40)]))).toBe(`${'x'.repeat(38)}-2`);
  });
});
