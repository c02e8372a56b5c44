import { ApiError } from '../contract/errors';

/** How a save treats a name that is (or is not) saved already. */
export type SaveMode = 'add' | 'edit' | 'upsert';

/** Refuses an add of a saved name, and an edit of a name that is not saved. */
export function checkSaveMode(mode: SaveMode, exists: boolean, kind: 'site' | 'destination', name: string): void {
  if (mode === 'add' && exists)
    throw new ApiError('ALREADY_EXISTS', `A ${kind} named ${name} is already saved; nothing was changed.`, { hint: kind === 'site' ? 'edit-or-rename-site' : 'edit-or-rename-destination' });
  if (mode === 'edit' && !exists) throw new ApiError('NOT_FOUND', `No ${kind} named ${name}.`, { hint: kind === 'site' ? 'check-site-name' : 'check-destination-name' });
}
