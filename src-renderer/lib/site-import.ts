import type { ClientApi } from '../../src-main/core/contract/operations';

export { MAX_IMPORT_BYTES } from '../../src-main/core/contract/import-limits';
export { guessImportFormat } from '../../src-main/core/contract/import-format';

type SaveInput = Parameters<ClientApi['siteSave']>[0];
type StoredDatabase = { mode: 'auto' | 'manual' | 'none'; host: string | null; port: number | null; socket: string | null; name: string | null; user: string | null };

/**
 * Confirms an imported site: pins the key or certificate the user confirmed (none for plain
 * FTP) and starts its schedule (the default of its kind), as an edit of its saved settings
 * (read with its revision, so that a change made meanwhile is not overwritten) that changes
 * nothing else. Settings not sent (tags, exclusions) stay as saved.
 */
export async function pinSiteServer(api: ClientApi, name: string, fingerprint: string | null): Promise<void> {
  const { settings, revision } = await api.siteGet({ name });
  const site = settings as unknown as Omit<SaveInput, 'database' | 'mode' | 'basedOn' | 'name'> & { url: string; database: StoredDatabase };
  const sftp = site.url.startsWith('sftp://');
  const db = site.database;
  await api.siteSave({
    name,
    url: site.url,
    identityFile: site.identityFile ?? null,
    caFile: site.caFile ?? null,
    hostKey: sftp ? fingerprint : null,
    tlsFingerprint: sftp ? null : fingerprint,
    timeoutSeconds: site.timeoutSeconds,
    maxRetries: site.maxRetries,
    maxConnections: site.maxConnections,
    passive: site.passive,
    environment: site.environment,
    destination: site.destination ?? null,
    copyTo: site.copyTo ?? null,
    copyWhen: site.copyWhen,
    copyAt: site.copyAt,
    scratchDatabase: site.scratchDatabase ?? null,
    database: db.mode === 'manual' && db.host && db.name && db.user ? { host: db.host, port: db.port, socket: db.socket, name: db.name, user: db.user } : db.mode === 'none' ? 'none' : 'auto',
    schedule: null,
    retention: site.retention,
    mode: 'edit',
    basedOn: revision,
  });
}
