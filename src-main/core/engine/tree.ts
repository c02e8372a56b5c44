import { z } from 'zod';

/**
 * A tree object lists one directory. It is encoded deterministically (nodes sorted by name,
 * fixed key order, no whitespace), so identical directories give identical bytes and dedup.
 */
const fileNode = z.object({
  name: z.string(),
  type: z.literal('file'),
  mode: z.number().int(),
  mtime: z.number(),
  size: z.number().int().nonnegative(),
  content: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});
const dirNode = z.object({
  name: z.string(),
  type: z.literal('dir'),
  mode: z.number().int(),
  mtime: z.number(),
  subtree: z.string().regex(/^[0-9a-f]{64}$/),
});
const symlinkNode = z.object({
  name: z.string(),
  type: z.literal('symlink'),
  mode: z.number().int(),
  mtime: z.number(),
  target: z.string(),
});
export const treeNodeSchema = z.discriminatedUnion('type', [fileNode, dirNode, symlinkNode]);
export type TreeNode = z.infer<typeof treeNodeSchema>;
export type FileNode = z.infer<typeof fileNode>;
export type DirNode = z.infer<typeof dirNode>;
export type SymlinkNode = z.infer<typeof symlinkNode>;

export const treeSchema = z.object({ nodes: z.array(treeNodeSchema) });
export type Tree = z.infer<typeof treeSchema>;

function canonicalNode(node: TreeNode): TreeNode {
  switch (node.type) {
    case 'file':
      return { name: node.name, type: 'file', mode: node.mode, mtime: node.mtime, size: node.size, content: node.content };
    case 'dir':
      return { name: node.name, type: 'dir', mode: node.mode, mtime: node.mtime, subtree: node.subtree };
    case 'symlink':
      return { name: node.name, type: 'symlink', mode: node.mode, mtime: node.mtime, target: node.target };
  }
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  return Buffer.from(JSON.stringify({ nodes: sorted.map(canonicalNode) }), 'utf8');
}

export class UnsafeNameError extends Error {
  constructor(
    readonly path: string,
    readonly badName: string,
  ) {
    super(`Refusing the name ${JSON.stringify(badName)} in ${path || '/'}: a tree entry must be a single clean path segment`);
    this.name = 'UnsafeNameError';
  }
}

/** A node name must be one path segment: not empty, not `.` or `..`, no `/`, no NUL. */
export function isSafeName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 1024;
}

export function decodeTree(bytes: Buffer, where: string): Tree {
  const tree = treeSchema.parse(JSON.parse(bytes.toString('utf8')));
  const seen = new Set<string>();
  for (const node of tree.nodes) {
    if (!isSafeName(node.name)) throw new UnsafeNameError(where, node.name);
    if (seen.has(node.name)) throw new UnsafeNameError(where, node.name);
    seen.add(node.name);
  }
  return tree;
}
