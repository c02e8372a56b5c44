import { lockRepository } from './locks';
import { ProgressTracker, type ProgressListener } from './progress';
import type { Repository } from './repository';
import { listSnapshots, type Snapshot } from './snapshots';
import type { TreeNode } from './tree';

export interface CopyReport {
  copied: Array<{ from: string; to: string }>;
  skipped: string[];
  blobsCopied: number;
  bytesAdded: number;
}

/**
 * Copies snapshots into another repository, transferring only blobs it lacks. When the
 * destination shares the source's id key (a repository that `copy` created), blob ids are
 * the same and present blobs are skipped without reading them; otherwise every blob is
 * re-identified with the destination's key and trees are rewritten to match.
 */
export async function copySnapshots(source: Repository, destination: Repository, options: { site?: string; onProgress?: ProgressListener } = {}): Promise<CopyReport> {
  const progress = new ProgressTracker(options.onProgress);
  const lock = await lockRepository(destination, 'copy', false);
  const report: CopyReport = { copied: [], skipped: [], blobsCopied: 0, bytesAdded: 0 };
  try {
    const sameIds = source.keys.id.equals(destination.keys.id);
    const present = new Set<string>();
    for (const snapshot of await listSnapshots(destination)) present.add(snapshot.original ?? snapshot.id);
    const wanted = (await listSnapshots(source)).filter((s) => !options.site || s.site === options.site);
    progress.filesTotal = wanted.length;
    progress.phase = 'copying';
    const mapped = new Map<string, string>();
    const writer = destination.newBlobWriter();

    const copyBlob = async (id: string, type: 'data' | 'tree', plaintext?: Buffer): Promise<string> => {
      if (sameIds && writer.has(id)) return id;
      const known = mapped.get(id);
      if (known) return known;
      const bytes = plaintext ?? (await source.readBlob(id));
      const saved = await writer.save(type, bytes, sameIds ? id : undefined);
      if (saved.added) report.blobsCopied++;
      progress.bytesDone += bytes.length;
      progress.report();
      mapped.set(id, saved.id);
      return saved.id;
    };
    const copyTree = async (treeId: string, path: string): Promise<string> => {
      if (sameIds && writer.has(treeId)) return treeId;
      const known = mapped.get(treeId);
      if (known) return known;
      const tree = await source.loadTree(treeId, path);
      const nodes: TreeNode[] = [];
      for (const node of tree.nodes) {
        const child = path ? `${path}/${node.name}` : node.name;
        if (node.type === 'file') {
          const content: string[] = [];
          for (const blob of node.content) content.push(await copyBlob(blob, 'data'));
          nodes.push({ ...node, content });
        } else if (node.type === 'dir') {
          nodes.push({ ...node, subtree: await copyTree(node.subtree, child) });
        } else {
          nodes.push(node);
        }
      }
      const id = await writer.saveTree(nodes);
      mapped.set(treeId, id);
      return id;
    };

    for (const snapshot of wanted) {
      const origin = snapshot.original ?? snapshot.id;
      if (present.has(origin)) {
        report.skipped.push(snapshot.id);
        continue;
      }
      const tree = await copyTree(snapshot.tree, '');
      await writer.flush();
      const { id: _id, ...body } = snapshot;
      const copy: Snapshot = { ...body, tree, parent: null, original: origin };
      const saved = await destination.saveJson('snapshots', copy);
      report.copied.push({ from: snapshot.id, to: saved.id });
      progress.filesDone++;
      progress.report();
    }
    report.bytesAdded = writer.stats.bytesStored;
    return report;
  } finally {
    await lock.release();
  }
}
