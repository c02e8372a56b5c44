import { ApiError } from '../contract/errors';
import type { ServiceHandlers } from '../contract/operations';
import { planRetention } from '../automation/run-due';
import type { Repository } from '../engine/repository';
import { listSnapshots, resolveSnapshot } from '../engine/snapshots';
import { diffTrees, findNode } from '../engine/tree-walk';
import type { ServiceContext } from './create-service';
import { openDestinationRepository } from './site-handlers';

const LIST_LIMIT = 1000;
const SEARCH_LIMIT = 200;

interface Found {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
}

/**
 * Names under a tree that contain `needle`. Results are memoised per tree id: snapshots share
 * most of their trees, so searching all of a site's snapshots reads each distinct folder once.
 */
async function searchTree(repo: Repository, treeId: string, needle: string, memo: Map<string, Found[]>, limit: number): Promise<Found[]> {
  const known = memo.get(treeId);
  if (known) return known;
  const found: Found[] = [];
  for (const node of (await repo.loadTree(treeId)).nodes) {
    if (found.length >= limit) break;
    if (node.name.toLowerCase().includes(needle)) found.push({ path: node.name, type: node.type, size: node.type === 'file' ? node.size : 0 });
    if (node.type === 'dir') {
      for (const inner of await searchTree(repo, node.subtree, needle, memo, limit - found.length)) found.push({ ...inner, path: `${node.name}/${inner.path}` });
    }
  }
  memo.set(treeId, found);
  return found;
}

async function withRepository<T>(ctx: ServiceContext, name: string, work: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await openDestinationRepository(ctx, name);
  try {
    return await work(repo);
  } finally {
    await repo.backend.close();
  }
}

/** The history browser's questions: what changed, where a name is, how one file evolved. */
export function historyHandlers(ctx: ServiceContext): Pick<ServiceHandlers, 'snapshot:diff' | 'snapshot:search' | 'file:history' | 'retention:preview'> {
  return {
    async 'retention:preview'({ site: name }) {
      const site = ctx.settings.data.sites.find((s) => s.name === name);
      if (!site) throw new ApiError('NOT_FOUND', `No site named ${name}.`);
      if (!site.destination) throw new ApiError('BAD_REQUEST', `${name} has no destination yet.`);
      return withRepository(ctx, site.destination, async (repo) => {
        const plan = planRetention((await listSnapshots(repo)).filter((s) => s.site === name), site.retention, new Date());
        return { keep: plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons })), remove: plan.remove.map((s) => s.id) };
      });
    },

    async 'snapshot:diff'({ destination, from, to }) {
      return withRepository(ctx, destination, async (repo) => {
        const [a, b] = await Promise.all([resolveSnapshot(repo, from), resolveSnapshot(repo, to)]);
        const diff = await diffTrees(repo, a.tree, b.tree);
        const truncated = diff.added.length > LIST_LIMIT || diff.removed.length > LIST_LIMIT || diff.changed.length > LIST_LIMIT;
        return { added: diff.added.slice(0, LIST_LIMIT), removed: diff.removed.slice(0, LIST_LIMIT), changed: diff.changed.slice(0, LIST_LIMIT), truncated };
      });
    },

    async 'snapshot:search'({ destination, query, snapshot, site }) {
      return withRepository(ctx, destination, async (repo) => {
        const snapshots = snapshot ? [await resolveSnapshot(repo, snapshot)] : (await listSnapshots(repo)).filter((s) => !site || s.site === site).reverse();
        const memo = new Map<string, Found[]>();
        const matches: Array<Found & { snapshot: string; time: string }> = [];
        for (const s of snapshots) {
          for (const found of await searchTree(repo, s.tree, query.toLowerCase(), memo, SEARCH_LIMIT + 1)) matches.push({ ...found, snapshot: s.id, time: s.time });
          if (matches.length > SEARCH_LIMIT) break;
        }
        return { matches: matches.slice(0, SEARCH_LIMIT), truncated: matches.length > SEARCH_LIMIT };
      });
    },

    async 'file:history'({ destination, site, path }) {
      return withRepository(ctx, destination, async (repo) => {
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
