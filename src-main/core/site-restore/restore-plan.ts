import { isReservedPath } from '../engine/name-case';
import type { SourceEntry } from '../engine/source';
import type { SelectedNode } from '../engine/tree-walk';
import type { FileNode, SymlinkNode, TreeNode } from '../engine/tree';
import { isPartFile } from './site-writer';

/** 'mode or time': the content is right, but the protocol cannot set them in place without following a symlink. */
export type UploadReason = 'new' | 'changed' | 'replaces another type' | 'mode or time';

export interface PlannedWrite {
  path: string;
  node: TreeNode;
  /** For files and symlinks: why it is written. For folders: created, or only its mode/time set. */
  reason: UploadReason | 'folder' | 'folder times';
}

export interface RemoteItem {
  path: string;
  type: SourceEntry['type'];
}

/** What a restore will do to a site, computed before anything is written (the preview). */
export interface RestorePlan {
  /** Parent folders of a partial selection that are missing on the site: created plainly. */
  impliedDirs: string[];
  /** Site entries of another type where the snapshot has something: removed first. */
  replace: RemoteItem[];
  /** Folders, files and symlinks to write, parents first. */
  writes: PlannedWrite[];
  /** Same size, other mtime: the content is compared where the server can hash, else uploaded. */
  doubts: Array<{ path: string; node: FileNode }>;
  /** Same content, other mode or mtime: only those are set. */
  metadata: Array<{ path: string; node: TreeNode }>;
  /** Entries on the site that the snapshot does not have (top-most only); deleted when mirroring. */
  extra: RemoteItem[];
  /** Partial uploads left by an interrupted restore: always removed. */
  leftovers: RemoteItem[];
  unchanged: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function within(path: string, scope: readonly string[]): boolean {
  return scope.length === 0 || scope.some((s) => path === s || path.startsWith(`${s}/`));
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Compares a snapshot selection with a listing of the live site: size and mtime (whole
 * seconds, as rsync does) and mode decide; same size with another mtime is "in doubt".
 * `scope` limits which site entries count as extra (the selected paths; all when empty).
 * Nothing under the reserved `.sitevault` folder (in any case) is ever written or deleted on a site.
 */
export function planRestore(wanted: readonly SelectedNode[], remote: readonly SourceEntry[], scope: readonly string[]): RestorePlan {
  const plan: RestorePlan = { impliedDirs: [], replace: [], writes: [], doubts: [], metadata: [], extra: [], leftovers: [], unchanged: 0 };
  const live = new Map(remote.map((e) => [e.path, e]));
  const wantedPaths = new Set(wanted.map((w) => w.path));
  const touchedDirs = new Set<string>();
  const removedDirs: string[] = [];
  const gone = (path: string) => removedDirs.some((dir) => path.startsWith(`${dir}/`));

  const dirs: Array<{ path: string; node: TreeNode; existing: SourceEntry | undefined }> = [];
  for (const { path, node, implied } of wanted) {
    if (isReservedPath(path)) continue;
    let existing = live.get(path);
    if (existing && gone(path)) existing = undefined;
    if (implied) {
      if (!existing) plan.impliedDirs.push(path);
      else if (existing.type !== 'dir') {
        plan.replace.push({ path, type: existing.type });
        plan.impliedDirs.push(path);
      }
      continue;
    }
    if (existing && existing.type !== node.type) {
      plan.replace.push({ path, type: existing.type });
      if (existing.type === 'dir') removedDirs.push(path);
      existing = undefined;
      touchedDirs.add(parentOf(path));
      if (node.type !== 'dir') {
        plan.writes.push({ path, node, reason: 'replaces another type' });
        continue;
      }
    }
    if (node.type === 'dir') {
      dirs.push({ path, node, existing });
      if (!existing) {
        plan.writes.push({ path, node, reason: 'folder' });
        touchedDirs.add(parentOf(path));
      }
    } else if (!existing) {
      plan.writes.push({ path, node, reason: 'new' });
      touchedDirs.add(parentOf(path));
    } else if (node.type === 'symlink') {
      if ((node as SymlinkNode).target !== existing.target) {
        plan.writes.push({ path, node, reason: 'changed' });
        touchedDirs.add(parentOf(path));
      } else plan.unchanged++;
    } else if (node.size !== existing.size) {
      plan.writes.push({ path, node, reason: 'changed' });
      touchedDirs.add(parentOf(path));
    } else if (seconds(node.mtime) !== seconds(existing.mtime)) {
      plan.doubts.push({ path, node });
      touchedDirs.add(parentOf(path));
    } else if ((node.mode & 0o7777) !== existing.mode) {
      plan.metadata.push({ path, node });
    } else plan.unchanged++;
  }

  // A partial upload (file) or a staging folder (over SSH) left by an interrupted restore.
  const leftoverDirs: string[] = [];
  for (const entry of remote) {
    if (isReservedPath(entry.path) || wantedPaths.has(entry.path) || gone(entry.path)) continue;
    if (leftoverDirs.some((dir) => entry.path.startsWith(`${dir}/`))) continue;
    if (isPartFile(entry.path) && (entry.type === 'file' || entry.type === 'dir')) {
      plan.leftovers.push({ path: entry.path, type: entry.type });
      if (entry.type === 'dir') leftoverDirs.push(entry.path);
      continue;
    }
    if (!within(entry.path, scope)) continue;
    if (plan.extra.some((e) => entry.path.startsWith(`${e.path}/`))) continue;
    plan.extra.push({ path: entry.path, type: entry.type });
    touchedDirs.add(parentOf(entry.path));
  }

  // Folder modes and times go last: writing inside a folder changes its mtime.
  for (const { path, node, existing } of dirs) {
    if (!existing) continue;
    const differs = seconds(node.mtime) !== seconds(existing.mtime) || (node.mode & 0o7777) !== existing.mode;
    if (differs || touchedDirs.has(path)) plan.writes.push({ path, node, reason: 'folder times' });
    else plan.unchanged++;
  }
  return plan;
}

/** Bytes of file content a plan uploads. */
export function uploadBytes(plan: RestorePlan): number {
  return plan.writes.reduce((sum, w) => sum + (w.node.type === 'file' ? w.node.size : 0), 0);
}
