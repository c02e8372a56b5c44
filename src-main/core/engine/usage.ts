import type { Repository } from './repository';
import type { SnapshotWithId } from './snapshots';

/** Every blob (trees and data) that the given snapshots need. */
export async function usedBlobs(repo: Repository, snapshots: readonly SnapshotWithId[]): Promise<Set<string>> {
  const used = new Set<string>();
  const walk = async (tree: string, path: string): Promise<void> => {
    if (used.has(tree)) return;
    used.add(tree);
    for (const node of (await repo.loadTree(tree, path)).nodes) {
      if (node.type === 'file') for (const blob of node.content) used.add(blob);
      else if (node.type === 'dir') await walk(node.subtree, path ? `${path}/${node.name}` : node.name);
    }
  };
  for (const snapshot of snapshots) await walk(snapshot.tree, '');
  return used;
}
