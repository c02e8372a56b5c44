import { listSnapshots } from '../../engine/snapshots';
import { findNode } from '../../engine/tree-walk';
import type { HandlersOf, ServiceContext } from '../context';

/** One file across a site's snapshots. */
export function fileHandlers(ctx: ServiceContext): HandlersOf<'file'> {
  return {
    async 'file:history'({ destination, site, path }) {
      return ctx.destinations.withRepository(destination, async (repo) => {
        const versions: Array<{ snapshot: string; time: string; size: number; mtime: number; changed: boolean }> = [];
        let previous: string | null = null;
        for (const s of (await listSnapshots(repo)).filter((x) => x.site === site)) {
          const found = await findNode(repo, s.tree, path).catch(() => null);
          if (found?.node?.type !== 'file') {
            previous = null;
            continue;
          }
          const content = found.node.content.join(',');
          versions.push({ snapshot: s.id, time: s.time, size: found.node.size, mtime: found.node.mtime, changed: content !== previous });
          previous = content;
        }
        return { versions: versions.reverse() };
      });
    },
  };
}
