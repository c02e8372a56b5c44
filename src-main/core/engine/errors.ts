import { ApiError } from '../contract/errors';

/** Engine errors carry the service API's stable codes. */
export function wrongPassphrase(location: string): ApiError {
  return new ApiError('AUTH_FAILED', `Wrong passphrase for the repository at ${location}: no key in it opens with the passphrase given.`);
}

export function notARepository(location: string): ApiError {
  return new ApiError('NOT_FOUND', `There is no SiteVault repository at ${location} (no config). Create one with \`sitevault init\`.`);
}
