import { replicateSite } from '../../automation/site-backup-run';
import { ApiError } from '../../contract/errors';
import type { HandlersOf, ServiceContext } from '../context';

/** Copies of a site's snapshots to its second destination, on request. */
export function replicationHandlers(ctx: ServiceContext): HandlersOf<'replication'> {
  const startReplication = (name: string, resumedFrom: string | null): string => {
    const site = ctx.sites.get(name);
    if (!site.destination || !site.copyTo) throw new ApiError('BAD_REQUEST', `${site.name} has no second destination to copy its snapshots to.`);
    const source = site.destination;
    return ctx.jobs.start(
      { kind: 'replicate', title: `Copy ${site.name} to ${site.copyTo}`, site: site.name, priority: 'now', request: { op: 'replication:run', input: { site: site.name } }, resumedFrom },
      async ({ onProgress, setResult }) => {
        const repo = await ctx.destinations.openRepository(source);
        try {
          const report = await replicateSite(repo, { openRepository: (d) => ctx.destinations.openRepository(d), catalog: ctx.catalog }, site, new Date(), onProgress);
          setResult({ ...report });
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('replication:run', (input, from) => startReplication(input.site, from));

  return {
    async 'replication:run'({ site }) {
      return { jobId: startReplication(site, null) };
    },
  };
}
