import { planRetention } from '../../automation/site-backup-run';
import { ApiError } from '../../contract/errors';
import { isSiteSnapshot, listSnapshots } from '../../engine/snapshots';
import type { HandlersOf, ServiceContext } from '../context';

/** What a site's policy keeps, and why, before it happens. */
export function retentionHandlers(ctx: ServiceContext): HandlersOf<'retention'> {
  return {
    async 'retention:preview'({ site: name }) {
      const site = ctx.settings.data.sites.find((s) => s.name === name);
      if (!site) throw new ApiError('NOT_FOUND', `No site named ${name}.`);
      if (!site.destination) throw new ApiError('BAD_REQUEST', `${name} has no destination yet.`);
      return ctx.destinations.withRepository(site.destination, async (repo) => {
        const plan = planRetention(
          (await listSnapshots(repo)).filter((s) => isSiteSnapshot(s, name, repo.installation)),
          site.retention,
          new Date(),
        );
        return { keep: plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons })), remove: plan.remove.map((s) => s.id) };
      });
    },
  };
}
