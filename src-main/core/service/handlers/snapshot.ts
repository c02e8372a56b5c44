import { ApiError } from '../../contract/errors';
import type { Repository } from '../../engine/repository';
import { listSnapshots, resolveSnapshot } from '../../engine/snapshots';
import { diffTrees, findNode } from '../../engine/tree-walk';
import type { HandlersOf, ServiceContext } from '../context';

const PREVIEW_BYTES = 64 * 1024;
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

/** One snapshot, or a site's snapshots: browse, preview, compare, search, and their copies. */
export function snapshotHandlers(ctx: ServiceContext): HandlersOf<'snapshot'> {
  return {
    async 'snapshot:browse'({ destination, snapshot, path }) {
      return ctx.destinations.withRepository(destination, async (repo) => {
        const resolved = await resolveSnapshot(repo, snapshot);
        const found = await findNode(repo, resolved.tree, path);
        if (!found.tree) throw new ApiError('BAD_REQUEST', `${path} is not a folder.`);
        const tree = await repo.loadTree(found.tree, found.path);
        return {
          entries: tree.nodes.map((n) => ({
            name: n.name,
            path: found.path ? `${found.path}/${n.name}` : n.name,
            type: n.type,
            size: n.type === 'file' ? n.size : 0,
            mtime: n.mtime,
            mode: n.mode,
            target: n.type === 'symlink' ? n.target : null,
          })),
        };
      });
    },

    async 'snapshot:preview'({ destination, snapshot, path }) {
      return ctx.destinations.withRepository(destination, async (repo) => {
        const resolved = await resolveSnapshot(repo, snapshot);
        const found = await findNode(repo, resolved.tree, path);
        if (found.node?.type !== 'file') throw new ApiError('BAD_REQUEST', `${path} is not a file.`);
        const node = found.node;
        const first = node.content[0] ? await repo.readBlob(node.content[0]) : Buffer.alloc(0);
        const head = first.subarray(0, PREVIEW_BYTES);
        const binary = head.includes(0);
        return { text: binary ? null : head.toString('utf8'), size: node.size, truncated: node.size > head.length, binary };
      });
    },

    async 'snapshot:diff'({ destination, from, to }) {
      return ctx.destinations.withRepository(destination, async (repo) => {
        const [a, b] = await Promise.all([resolveSnapshot(repo, from), resolveSnapshot(repo, to)]);
        const diff = await diffTrees(repo, a.tree, b.tree);
        const truncated = diff.added.length > LIST_LIMIT || diff.removed.length > LIST_LIMIT || diff.changed.length > LIST_LIMIT;
        return { added: diff.added.slice(0, LIST_LIMIT), removed: diff.removed.slice(0, LIST_LIMIT), changed: diff.changed.slice(0, LIST_LIMIT), truncated };
      });
    },

    async 'snapshot:search'({ destination, query, snapshot, site }) {
      return ctx.destinations.withRepository(destination, async (repo) => {
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

    async 'snapshot:copies'({ site: name }) {
      const site = ctx.sites.get(name);
      if (!site.copyTo) return { copyTo: null, copies: [], error: null };
      try {
        const repo = await ctx.destinations.openRepository(site.copyTo, { loadIndex: false });
        try {
          const copies = (await listSnapshots(repo)).filter((s) => s.site === site.name).map((s) => s.original ?? s.id);
          return { copyTo: site.copyTo, copies, error: null };
        } finally {
          await repo.backend.close();
        }
      } catch (error) {
        return { copyTo: site.copyTo, copies: [], error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
