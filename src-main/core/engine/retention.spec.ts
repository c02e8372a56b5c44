import { describe, expect, it } from 'vitest';
import { applyRetention } from './retention';
import type { SnapshotWithId } from './snapshots';

function snap(time: string): SnapshotWithId {
  return { id: time, time } as unknown as SnapshotWithId;
}

/** One snapshot a day at 03:00 UTC from start for n days. */
function daily(start: string, days: number): SnapshotWithId[] {
  const t0 = Date.parse(start);
  return Array.from({ length: days }, (_, i) => snap(new Date(t0 + i * 86_400_000).toISOString()));
}

describe('GFS retention', () => {
  it('keeps the seeds’ default: 12 daily, 3 monthly, 1 yearly', () => {
    const all = daily('2024-10-01T03:00:00.000Z', 500);
    const { keep, remove } = applyRetention(all, { daily: 12, monthly: 3, yearly: 1 });
    const kept = keep.map((k) => k.snapshot.time.slice(0, 10));
    // Newest is 2026-02-12: 12 days back, the last of Jan, Dec, and (2026) the newest of its year.
    expect(kept).toEqual([
      '2026-02-12',
      '2026-02-11',
      '2026-02-10',
      '2026-02-09',
      '2026-02-08',
      '2026-02-07',
      '2026-02-06',
      '2026-02-05',
      '2026-02-04',
      '2026-02-03',
      '2026-02-02',
      '2026-02-01',
      '2026-01-31',
      '2025-12-31',
    ]);
    expect(keep[0]!.reasons).toEqual(['daily', 'monthly', 'yearly']);
    expect(keep.find((k) => k.snapshot.time.startsWith('2026-01-31'))!.reasons).toEqual(['monthly']);
    expect(keep.length + remove.length).toBe(500);
  });

  it('keeps the newest snapshot of each bucket, with several a day', () => {
    const all = ['2024-05-01T01:00:00Z', '2024-05-01T13:00:00Z', '2024-05-02T09:00:00Z', '2024-05-02T21:00:00Z'].map(snap);
    const { keep, remove } = applyRetention(all, { daily: 2 });
    expect(keep.map((k) => k.snapshot.time)).toEqual(['2024-05-02T21:00:00Z', '2024-05-01T13:00:00Z']);
    expect(remove.map((s) => s.time)).toEqual(['2024-05-02T09:00:00Z', '2024-05-01T01:00:00Z']);
  });

  it('combines last and weekly (ISO weeks)', () => {
    const all = daily('2024-01-01T00:00:00.000Z', 28);
    const { keep } = applyRetention(all, { last: 2, weekly: 2 });
    expect(keep.map((k) => k.snapshot.time.slice(0, 10))).toEqual(['2024-01-28', '2024-01-27', '2024-01-21']);
  });

  it('keeps everything when the policy keeps nothing', () => {
    const all = daily('2024-01-01T00:00:00.000Z', 5);
    expect(applyRetention(all, {}).remove).toEqual([]);
  });
});
