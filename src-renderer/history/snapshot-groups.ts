/** The little of a snapshot the grouping needs. */
export interface Grouped {
  id: string;
  tags: string[];
}

export interface SafetyEntry<S extends Grouped> {
  snapshot: S;
  /** The snapshot whose restore it was taken before (null when that one is gone or unknown). */
  before: S | null;
  /** That snapshot's short id, from the tag, even when it is gone. */
  beforeId: string | null;
}

const BEFORE_TAG = 'before-restore-of:';

export const isSafety = (snapshot: Grouped): boolean => snapshot.tags.includes('safety');

/**
 * A site's snapshots (newest first) as the history shows them: its backups, and apart from
 * them the safety snapshots taken before restores, each with the restore it protects.
 */
export function groupSnapshots<S extends Grouped>(newestFirst: readonly S[]): { backups: S[]; safety: SafetyEntry<S>[] } {
  const backups = newestFirst.filter((s) => !isSafety(s));
  const safety = newestFirst.filter(isSafety).map((snapshot) => {
    const beforeId = snapshot.tags.find((t) => t.startsWith(BEFORE_TAG))?.slice(BEFORE_TAG.length) || null;
    const before = beforeId ? (newestFirst.find((s) => s.id.startsWith(beforeId)) ?? null) : null;
    return { snapshot, before, beforeId };
  });
  return { backups, safety };
}

/** What the history opens on: the latest real backup; a safety snapshot only when there is nothing else. */
export function defaultSnapshot<S extends Grouped>(newestFirst: readonly S[]): S | null {
  return newestFirst.find((s) => !isSafety(s)) ?? newestFirst[0] ?? null;
}
