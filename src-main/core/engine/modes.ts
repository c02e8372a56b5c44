import type { TreeNode } from './tree';

/**
 * setuid and setgid. A snapshot keeps the modes the server listed, these bits included, but no
 * restore or download gives them back: a file that whoever runs as the web server marked u+s
 * would become a root-owned setuid program when restored over a root login or unpacked as root.
 */
export const PRIVILEGE_BITS = 0o6000;

/** The permission bits a restore or a download may set: 0o7777 without setuid and setgid. */
export function restorableMode(mode: number): number {
  return mode & 0o7777 & ~PRIVILEGE_BITS;
}

/** A node as it leaves the repository for a restore or a download (the same object when nothing changes). */
export function restorableNode<T extends TreeNode>(node: T): T {
  const mode = restorableMode(node.mode);
  return mode === node.mode ? node : { ...node, mode };
}
