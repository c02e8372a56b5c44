import { ApiError } from '../../contract/errors';
import { checkRepository } from '../../engine/check';
import { listSnapshots } from '../../engine/snapshots';
import type { HandlersOf, ServiceContext } from '../context';

/** A destination's repository as a whole: its snapshots, and a check of its data. */
export function repoHandlers(ctx: ServiceContext): HandlersOf<'repo'> {
  const startCheck = (destination: string, readDataPercent: number, resumedFrom: string | null): string => {
    if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
    return ctx.jobs.start(
      {
        kind: 'verify',
        title: `Check ${destination}${readDataPercent ? ` (read ${readDataPercent}% of the data)` : ''}`,
        priority: 'now',
        request: { op: 'repo:check', input: { destination, readDataPercent } },
        resumedFrom,
      },
      async ({ onProgress, setResult }) => {
        const repo = await ctx.destinations.openRepository(destination);
        try {
          const report = await checkRepository(repo, { readDataPercent, onProgress });
          const problems = report.damage.map((d) => `${d.kind} ${d.id}: ${d.message}`);
          setResult({ snapshots: report.snapshots, packs: report.packs, packsRead: report.packsRead, problems });
          await ctx.catalog.recordVerification({
            kind: 'scheduled-check',
            destination,
            snapshot: null,
            time: new Date().toISOString(),
            ok: problems.length === 0,
            summary: `${report.snapshots} snapshots, ${report.packsRead} packs read back (${readDataPercent}%)`,
            problems,
          });
          if (problems.length > 0) throw new ApiError('DAMAGE_FOUND', `${problems.length} problems found, first: ${problems[0]}`);
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('repo:check', (input, from) => startCheck(input.destination, input.readDataPercent, from));

  return {
    async 'repo:snapshots'({ destination, site }) {
      const repo = await ctx.destinations.openRepository(destination, { loadIndex: false });
      try {
        const snapshots = (await listSnapshots(repo)).filter((s) => !site || s.site === site);
        return {
          snapshots: snapshots.map((s) => ({
            id: s.id,
            time: s.time,
            site: s.site,
            hostname: s.hostname,
            installation: s.installation ?? null,
            otherInstallation: s.installation != null && repo.installation !== null && s.installation !== repo.installation,
            tags: s.tags,
            kind: s.kind,
            files: s.stats.files,
            bytes: s.stats.bytes,
            bytesAdded: s.stats.bytes_added,
            warnings: s.warnings.length,
          })),
        };
      } finally {
        await repo.backend.close();
      }
    },

    async 'repo:check'({ destination, readDataPercent }) {
      return { jobId: startCheck(destination, readDataPercent, null) };
    },
  };
}
