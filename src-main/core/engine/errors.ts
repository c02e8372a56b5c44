import { ApiError } from '../contract/errors';

/** Engine errors carry the service API's stable codes. */
export function wrongPassphrase(location: string): ApiError {
  return new ApiError('AUTH_FAILED', `Wrong passphrase for the repository at ${location}: no key in it opens with the passphrase given.`);
}

export function notARepository(location: string): ApiError {
  return new ApiError('NOT_FOUND', `There is no SiteVault repository at ${location} (no config).`, { hint: 'create-repository' });
}

/**
 * The folder a backup reads from. `server` is where it is (a site's address) or null for a
 * folder on this computer. Facts only: each adapter adds how to fix it.
 */
export function sourceNotFound(folder: string, server: string | null, detail?: string): ApiError {
  return new ApiError('SOURCE_NOT_FOUND', `The folder ${folder} does not exist${onServer(server)}${detail ? ` (${detail})` : ''}. Nothing was backed up and no snapshot was written.`);
}

export function sourceNotAFolder(folder: string, server: string | null): ApiError {
  return new ApiError('SOURCE_NOT_FOUND', `${folder} is not a folder${onServer(server)}. Nothing was backed up and no snapshot was written.`);
}

export function sourceUnreadable(folder: string, server: string | null, reason: string): ApiError {
  return new ApiError('SOURCE_UNREADABLE', `The folder ${folder} cannot be read${onServer(server)} (${reason}). Nothing was backed up and no snapshot was written.`);
}

function onServer(server: string | null): string {
  return server ? ` on the server (${server})` : '';
}
