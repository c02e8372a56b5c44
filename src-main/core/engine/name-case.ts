import { baseName, parentPath } from './source';
import type { TreeNode } from './tree';

/**
 * A name as a disk that ignores case sees it: macOS (APFS, HFS+) also ignores Unicode
 * normalisation, Windows (NTFS) folds case with its own table. Folding through upper then
 * lower case in NFC makes at least every pair those disks confuse equal (and a few more,
 * such as `ß` and `ss`: a false alarm costs a warning, a miss would cost a write through a link).
 */
export function foldName(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/** Where a snapshot keeps what SiteVault adds (the database dump); a site's own folder of that name is skipped. */
export const RESERVED_DIR = '.sitevault';

/** The reserved folder or anything in it, whatever the case of its name (`.SiteVault/x` too). */
export function isReservedPath(path: string): boolean {
  const slash = path.indexOf('/');
  return foldName(slash < 0 ? path : path.slice(0, slash)) === RESERVED_DIR;
}

interface Named {
  path: string;
  node: TreeNode;
}

const TYPE_RANK: Readonly<Record<TreeNode['type'], number>> = { dir: 0, file: 1, symlink: 2 };

/**
 * Names in one folder that differ only in case (`a/` and `A`) are one name on a disk that
 * ignores case: writing both would write the second through the first, a link to anywhere
 * included. One of each such group is kept, in this order: SiteVault's reserved folder, then
 * folders, files, symlinks, then the snapshot's order. The others, and everything inside
 * them, are left out, each named with the entry it gave way to. `nodes` lists parents before
 * children, as a selection does.
 */
export function dropCaseCollisions<T extends Named>(nodes: readonly T[]): { kept: T[]; dropped: Array<{ path: string; keptPath: string }> } {
  const groups = new Map<string, T[]>();
  for (const entry of nodes) {
    const key = `${parentPath(entry.path)}\0${foldName(baseName(entry.path))}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const rank = (entry: T) => (entry.path === RESERVED_DIR ? -1 : TYPE_RANK[entry.node.type]);
  const dropped: Array<{ path: string; keptPath: string }> = [];
  const droppedPaths = new Set<string>();
  const inside = (path: string) => {
    for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1)) if (droppedPaths.has(path.slice(0, at))) return true;
    return false;
  };
  // Groups come in the order of their first entry: a folder's before those inside it.
  for (const group of groups.values()) {
    if (group.length < 2 || inside(group[0]!.path)) continue;
    const [first, ...others] = [...group].sort((a, b) => rank(a) - rank(b));
    for (const other of others) {
      dropped.push({ path: other.path, keptPath: first!.path });
      droppedPaths.add(other.path);
    }
  }
  if (dropped.length === 0) return { kept: [...nodes], dropped };
  return { kept: nodes.filter((n) => !droppedPaths.has(n.path) && !inside(n.path)), dropped };
}
