import { resolveSnapshot } from '../../core/engine/snapshots';
import { findNode, walkTree } from '../../core/engine/tree-walk';
import { defineCommand } from '../command';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_OK } from '../usage';

export const lsCommand = defineCommand({
  name: 'ls',
  summary: 'List the files of a snapshot, one folder or all of it.',
  usage: ['ls --repo REPO SNAPSHOT [PATH] [-r] [--json]'],
  positionals: [
    { name: 'SNAPSHOT', help: 'A snapshot id (a prefix is enough) or "latest".' },
    { name: 'PATH', help: 'A folder or file in the snapshot (default: its top).' },
  ],
  options: { ...REPO_OPTIONS, ...JSON_OPTION, recursive: { type: 'boolean', short: 'r', default: false, help: 'Everything below PATH, not just one folder.' } },
  env: REPO_ENV,
  async run({ values, positionals }, io, env) {
    const repo = await openRepo(values.repo, env, values);
    try {
      const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
      const at = await findNode(repo, snapshot.tree, positionals[1] ?? '');
      const rows: Array<{ path: string; type: string; mode: number; size: number; mtime: string; target?: string }> = [];
      const push = (path: string, node: NonNullable<typeof at.node>) =>
        rows.push({ path, type: node.type, mode: node.mode, size: node.type === 'file' ? node.size : 0, mtime: new Date(node.mtime).toISOString(), ...(node.type === 'symlink' ? { target: node.target } : {}) });
      if (at.tree) {
        if (values.recursive) for await (const w of walkTree(repo, at.tree, at.path)) push(w.path, w.node);
        else for (const node of (await repo.loadTree(at.tree, at.path)).nodes) push(at.path ? `${at.path}/${node.name}` : node.name, node);
      } else if (at.node) {
        push(at.path, at.node);
      }
      if (values.json) io.out(JSON.stringify(rows));
      else
        for (const r of rows)
          io.out(
            `${r.type === 'dir' ? 'd' : r.type === 'symlink' ? 'l' : '-'}${(r.mode & 0o777).toString(8).padStart(4, '0')} ${String(r.size).padStart(12)} ${r.mtime} ${r.path}${r.target ? ` -> ${r.target}` : ''}`,
          );
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
