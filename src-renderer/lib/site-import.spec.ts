import { describe, expect, it } from 'vitest';
import { operations, type ClientApi } from '../../src-main/core/contract/operations';
import { guessImportFormat, pinSiteServer } from './site-import';

/** A site as settings.json holds it after an import (all of its fields, as the site store writes them). */
const imported = {
  name: 'Clients-Acme',
  url: 'sftp://acme@acme.example:22/var/www',
  environment: 'production',
  tags: ['acme'],
  destination: 'Vault',
  identityFile: '/home/me/.ssh/id_ed25519',
  hostKey: null,
  caFile: null,
  tlsFingerprint: null,
  excludes: ['cache/'],
  wordpressExcludes: true,
  database: { mode: 'manual', host: 'db.acme.example', port: 3306, socket: null, name: 'acme', user: 'acme' },
  timeoutSeconds: 45,
  maxRetries: 3,
  maxConnections: 4,
  passive: true,
  rereadEvery: 0,
  // As imported: no schedule until the server is confirmed.
  schedule: { files: { enabled: false, time: '02:00', frequency: 'daily', weekday: 0, cron: null }, database: { enabled: false, everyHours: 6 } },
  retention: { daily: 12, weekly: 0, monthly: 3, yearly: 1 },
  copyTo: null,
  copyWhen: 'after-backup',
  copyAt: '04:00',
  scratchDatabase: null,
};

function fakeApi(settings: Record<string, unknown>): { api: ClientApi; saved: unknown[] } {
  const saved: unknown[] = [];
  const api = {
    siteGet: async () => ({ settings, revision: 'rev-1', hasPassword: true, hasKeyPassphrase: false, hasDatabasePassword: false }),
    siteSave: async (input: unknown) => {
      saved.push(input);
      return { site: {} };
    },
  } as unknown as ClientApi;
  return { api, saved };
}

describe('the import screen’s helpers', () => {
  it('guesses the format from the file name, else from the content', () => {
    expect(guessImportFormat('sitemanager.xml', 'x')).toBe('filezilla');
    expect(guessImportFormat('Sites.CSV', '<')).toBe('csv');
    expect(guessImportFormat('export', '\uFEFF  <?xml version="1.0"?>')).toBe('filezilla');
    expect(guessImportFormat('export', 'name,host')).toBe('csv');
  });

  it('pins an SSH host key and starts the schedule, as an edit of the saved settings that changes nothing else', async () => {
    const { api, saved } = fakeApi(imported);
    await pinSiteServer(api, 'Clients-Acme', 'SHA256:abc');
    const input = operations['site:save'].input.parse(saved[0]);
    expect(input).toMatchObject({
      name: 'Clients-Acme',
      url: imported.url,
      hostKey: 'SHA256:abc',
      tlsFingerprint: null,
      identityFile: imported.identityFile,
      destination: 'Vault',
      timeoutSeconds: 45,
      maxRetries: 3,
      maxConnections: 4,
      database: { host: 'db.acme.example', port: 3306, socket: null, name: 'acme', user: 'acme' },
      schedule: null,
      retention: imported.retention,
      mode: 'edit',
      basedOn: 'rev-1',
    });
    // Not sent, so kept as saved by site:save; no secret is sent at all.
    expect(input).not.toHaveProperty('tags');
    expect(input).not.toHaveProperty('excludes');
    expect(input.password).toBeUndefined();
  });

  it('pins an FTPS certificate as the TLS fingerprint', async () => {
    const { api, saved } = fakeApi({ ...imported, url: 'ftps://acme@acme.example:21/~', database: { mode: 'auto', host: null, port: null, socket: null, name: null, user: null } });
    await pinSiteServer(api, 'Clients-Acme', 'SHA256:cert');
    expect(operations['site:save'].input.parse(saved[0])).toMatchObject({ hostKey: null, tlsFingerprint: 'SHA256:cert', database: 'auto' });
  });
});
