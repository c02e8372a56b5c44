import type { SnapshotWithId } from './snapshots';

/** Grandfather-father-son: how many of the newest snapshots to keep per period. */
export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export interface RetentionDecision {
  keep: Array<{ snapshot: SnapshotWithId; reasons: string[] }>;
  remove: SnapshotWithId[];
}

function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const BUCKETS: Array<[keyof RetentionPolicy, (d: Date) => string]> = [
  ['hourly', (d) => d.toISOString().slice(0, 13)],
  ['daily', (d) => d.toISOString().slice(0, 10)],
  ['weekly', isoWeek],
  ['monthly', (d) => d.toISOString().slice(0, 7)],
  ['yearly', (d) => d.toISOString().slice(0, 4)],
];

/**
 * Applies a policy to one site's snapshots (restic's semantics): walking from newest to
 * oldest, each rule keeps the newest snapshot of each of its last N periods (UTC).
 * A policy that keeps nothing keeps everything, so a typo never empties a repository.
 */
export function applyRetention(snapshots: readonly SnapshotWithId[], policy: RetentionPolicy): RetentionDecision {
  const newestFirst = [...snapshots].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  const anyRule = Object.values(policy).some((n) => (n ?? 0) > 0);
  if (!anyRule) return { keep: newestFirst.map((snapshot) => ({ snapshot, reasons: ['no policy'] })), remove: [] };
  const reasons = new Map<string, string[]>();
  const add = (id: string, reason: string) => reasons.set(id, [...(reasons.get(id) ?? []), reason]);
  newestFirst.slice(0, policy.last ?? 0).forEach((s) => add(s.id, 'last'));
  for (const [rule, bucketOf] of BUCKETS) {
    const limit = policy[rule] ?? 0;
    if (limit <= 0) continue;
    const seen = new Set<string>();
    for (const snapshot of newestFirst) {
      if (seen.size >= limit) break;
      const bucket = bucketOf(new Date(snapshot.time));
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      add(snapshot.id, rule);
    }
  }
  return {
    keep: newestFirst.filter((s) => reasons.has(s.id)).map((snapshot) => ({ snapshot, reasons: reasons.get(snapshot.id)! })),
    remove: newestFirst.filter((s) => !reasons.has(s.id)),
  };
}
