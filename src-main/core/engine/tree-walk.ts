import { ApiError } from '../contract/errors';
import { restorableNode } from './modes';
import type { Repository } from './repository';
import { UnsafeNameError, type TreeNode } from './tree';

export interface WalkedNode {
  /** Relative path, `/`-separated. */
  path: string;
  node: TreeNode;
}

/** Splits a user-given snapshot path into clean segments (`/a/b/`, `a/b` both work). */
export function splitSnapshotPath(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new ApiError('BAD_REQUEST', `Paths inside a snapshot cannot contain "..": ${path}`);
  return parts;
}

/** Finds the node at a path (null path = the root folder itself). */
export async function findNode(repo: Repository, rootTree: string, path: string): Promise<{ path: string; node: TreeNode | null; tree: string | null }> {
  const parts = splitSnapshotPath(path);
  let treeId = rootTree;
  let walked = '';
  for (let i = 0; i < parts.length; i++) {
    const tree = await repo.loadTree(treeId, walked);
    const node = tree.nodes.find((n) => n.name === parts[i]);
    if (!node) throw new ApiError('NOT_FOUND', `${parts.slice(0, i + 1).join('/')} is not in the snapshot.`);
    walked = walked ? `${walked}/${node.name}` : node.name;
    if (i === parts.length - 1) return { path: walked, node, tree: node.type === 'dir' ? node.subtree : null };
    if (node.type !== 'dir') throw new ApiError('NOT_FOUND', `${walked} is not a folder.`);
    treeId = node.subtree;
  }
  return { path: '', node: null, tree: rootTree };
}

export interface SelectedNode extends WalkedNode {
  /** A parent folder of a selected path, present only so the path has somewhere to go. */
  implied?: boolean;
}

export interface Selection {
  /** Parents before children; each path once. */
  nodes: SelectedNode[];
  /** Folders whose tree could not be read (damage): reported, the rest still selected. */
  failed: Array<{ path: string; message: string }>;
}

/**
 * The nodes of a snapshot that some paths select (all of it when `paths` is empty), as they
 * leave the repository for a restore or a download: without setuid and setgid bits. A
 * tampered name stops everything (UnsafeNameError); a damaged subtree is reported and skipped.
 */
export async function collectSelection(repo: Repository, rootTree: string, paths: readonly string[] = []): Promise<Selection> {
  const selection: Selection = { nodes: [], failed: [] };
  const seen = new Set<string>();
  const add = (selected: SelectedNode) => {
    if (seen.has(selected.path)) return;
    seen.add(selected.path);
    selection.nodes.push({ ...selected, node: restorableNode(selected.node) });
  };
  const collect = async (treeId: string, prefix: string): Promise<void> => {
    let nodes: TreeNode[];
    try {
      nodes = (await repo.loadTree(treeId, prefix)).nodes;
    } catch (error) {
      if (error instanceof UnsafeNameError) throw error;
      selection.failed.push({ path: prefix || '/', message: `folder cannot be read: ${(error as Error).message}` });
      return;
    }
    for (const node of nodes) {
      const path = prefix ? `${prefix}/${node.name}` : node.name;
      add({ path, node });
      if (node.type === 'dir') await collect(node.subtree, path);
    }
  };
  for (const wanted of paths.length > 0 ? paths : ['']) {
    const found = await findNode(repo, rootTree, wanted);
    const parts = splitSnapshotPath(wanted);
    for (let i = 1; i < parts.length; i++) {
      add({ path: parts.slice(0, i).join('/'), node: { name: parts[i - 1]!, type: 'dir', mode: 0o755, mtime: 0, subtree: '0'.repeat(64) }, implied: true });
    }
    if (found.node) add({ path: found.path, node: found.node });
    if (found.tree) await collect(found.tree, found.path);
  }
  return selection;
}

/** Every node below a tree, parents before children, in name order. */
export async function* walkTree(repo: Repository, treeId: string, prefix = ''): AsyncGenerator<WalkedNode> {
  const tree = await repo.loadTree(treeId, prefix);
  for (const node of tree.nodes) {
    const path = prefix ? `${prefix}/${node.name}` : node.name;
    yield { path, node };
    if (node.type === 'dir') yield* walkTree(repo, node.subtree, path);
  }
}

export interface TreeDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Paths added, removed and changed between two trees; identical subtrees are skipped by id. */
export async function diffTrees(repo: Repository, a: string, b: string, prefix = '', out: TreeDiff = { added: [], removed: [], changed: [] }): Promise<TreeDiff> {
  if (a === b) return out;
  const [left, right] = await Promise.all([repo.loadTree(a, prefix), repo.loadTree(b, prefix)]);
  const rightByName = new Map(right.nodes.map((n) => [n.name, n]));
  const leftByName = new Map(left.nodes.map((n) => [n.name, n]));
  const collect = async (treeId: string, path: string, into: string[]) => {
    for await (const walked of walkTree(repo, treeId, path)) into.push(walked.path);
  };
  for (const node of left.nodes) {
    const path = prefix ? `${prefix}/${node.name}` : node.name;
    const other = rightByName.get(node.name);
    if (!other) {
      out.removed.push(path);
      if (node.type === 'dir') await collect(node.subtree, path, out.removed);
    } else if (node.type === 'dir' && other.type === 'dir') {
      if (node.mode !== other.mode) out.changed.push(path);
      await diffTrees(repo, node.subtree, other.subtree, path, out);
    } else if (node.type !== other.type || JSON.stringify({ ...node, mtime: 0 }) !== JSON.stringify({ ...other, mtime: 0 })) {
      out.changed.push(path);
    }
  }
  for (const node of right.nodes) {
    if (leftByName.has(node.name)) continue;
    const path = prefix ? `${prefix}/${node.name}` : node.name;
    out.added.push(path);
    if (node.type === 'dir') await collect(node.subtree, path, out.added);
  }
  return out;
}
