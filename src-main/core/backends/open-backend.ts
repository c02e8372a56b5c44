import type { Backend } from './backend';
import { DEFAULT_CONNECTION, type ConnectionSecrets, type ConnectionSettings } from './connection';
import { FtpBackend } from './ftp-backend';
import { LocalBackend } from './local-backend';
import type { StorageLocation } from './location';
import { LazyBackend } from './lazy-backend';
import { describeStorageLocation } from './location';
import { S3_PACK_TARGET_BYTES } from './s3-sizes';
import { SftpBackend } from './sftp-backend';
import { ConcurrencyLimitedBackend, RetryingBackend } from './wrappers';

export type { ConnectionSecrets } from './connection';

/** A backend for a location, wrapped with retries and the connection limit. */
export function openBackend(location: StorageLocation, secrets: ConnectionSecrets, settings: ConnectionSettings = DEFAULT_CONNECTION): Backend {
  let backend: Backend;
  switch (location.kind) {
    case 'local':
      return new LocalBackend(location.path);
    case 'sftp':
      backend = new SftpBackend(location, secrets, settings);
      break;
    case 'ftp':
    case 'ftps':
      backend = new FtpBackend({ ...location, secure: location.kind === 'ftps' }, secrets, settings);
      break;
    case 's3': {
      const s3 = location;
      const properties = { location: describeStorageLocation(s3), maxConnections: settings.maxConnections, packTargetBytes: S3_PACK_TARGET_BYTES, cacheMetadata: true };
      backend = new LazyBackend(properties, async () => new (await import('./s3-backend')).S3Backend(s3, secrets, settings));
      break;
    }
  }
  const limited = settings.maxConnections > 0 ? new ConcurrencyLimitedBackend(backend, settings.maxConnections) : backend;
  return new RetryingBackend(limited, { maxRetries: settings.maxRetries });
}
