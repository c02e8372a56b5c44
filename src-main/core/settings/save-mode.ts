import { createHash } from 'node:crypto';
import { ApiError } from '../contract/errors';
import type { SecretStore } from '../secrets/keychain';

/** How a save treats a name that is (or is not) saved already. */
export type SaveMode = 'add' | 'edit' | 'upsert';

/** Refuses an add of a saved name, and an edit of a name that is not saved. */
export function checkSaveMode(mode: SaveMode, exists: boolean, kind: 'site' | 'destination', name: string): void {
  if (mode === 'add' && exists)
    throw new ApiError('ALREADY_EXISTS', `A ${kind} named ${name} is already saved; nothing was changed.`, { hint: kind === 'site' ? 'edit-or-rename-site' : 'edit-or-rename-destination' });
  if (mode === 'edit' && !exists) throw new ApiError('NOT_FOUND', `No ${kind} named ${name}.`, { hint: kind === 'site' ? 'check-site-name' : 'check-destination-name' });
}

/** A short fingerprint of saved settings: an edit names the one it started from, and is refused if they changed since. */
export function revisionOf(saved: unknown): string {
  return createHash('sha256').update(JSON.stringify(saved)).digest('hex').slice(0, 16);
}

export function checkRevision(saved: unknown, basedOn: string | undefined, kind: 'site' | 'destination', name: string): void {
  if (basedOn !== undefined && revisionOf(saved) !== basedOn) {
    throw new ApiError('CONFLICT', `The ${kind} ${name} was changed elsewhere (in the app, the command line or run-due) since it was read; nothing was saved.`, { hint: 'read-again' });
  }
}

/**
 * Writes the secrets given and removes the others that must not stay: on an add, whatever an
 * earlier entry of that name left behind; on an edit that names another login, the old login's.
 * A keychain that fails half-way gets back what it held, so that no new secret is left bound to
 * the old settings.
 */
export async function replaceSecrets<S extends string>(
  secrets: SecretStore,
  account: (secret: S) => string,
  all: readonly S[],
  given: Partial<Record<S, string | undefined>>,
  dropOthers: boolean,
): Promise<void> {
  const touched = all.filter((secret) => given[secret] !== undefined || dropOthers);
  const before = new Map<S, string | null>();
  for (const secret of touched) before.set(secret, await secrets.read(account(secret)));
  try {
    for (const secret of touched) {
      const value = given[secret];
      if (value !== undefined) await secrets.write(account(secret), value);
      else await secrets.remove(account(secret));
    }
  } catch (error) {
    for (const [secret, value] of before) {
      await (value === null ? secrets.remove(account(secret)) : secrets.write(account(secret), value)).catch(() => {});
    }
    throw error;
  }
}
