import type { Repository } from './repository';
import type { FileNode } from './tree';

/** Every file of a snapshot by path: what change detection compares against. */
export async function loadFileMap(repo: Repository, rootTree: string): Promise<Map<string, FileNode>> {
  const files = new Map<string, FileNode>();
  const walk = async (treeId: string, prefix: string): Promise<void> => {
    const tree = await repo.loadTree(treeId, prefix);
    const subdirs: Promise<void>[] = [];
    for (const node of tree.nodes) {
      const path = prefix ? `${prefix}/${node.name}` : node.name;
      if (node.type === 'file') files.set(path, node);
      else if (node.type === 'dir') subdirs.push(walk(node.subtree, path));
    }
    await Promise.all(subdirs);
  };
  await walk(rootTree, '');
  return files;
}
