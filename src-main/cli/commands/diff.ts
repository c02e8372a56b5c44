import { resolveSnapshot } from '../../core/engine/snapshots';
import { diffTrees } from '../../core/engine/tree-walk';
import { defineCommand } from '../command';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_OK } from '../usage';

export const diffCommand = defineCommand({
  name: 'diff',
  summary: 'Show the files added, removed and changed between two snapshots.',
  usage: ['diff --repo REPO SNAP1 SNAP2 [--json]'],
  positionals: [
    { name: 'SNAP1', help: 'The older snapshot (id prefix or "latest").' },
    { name: 'SNAP2', help: 'The newer snapshot.' },
  ],
  options: { ...REPO_OPTIONS, ...JSON_OPTION },
  env: REPO_ENV,
  async run({ values, positionals }, io, env) {
    const repo = await openRepo(values.repo, env, values);
    try {
      const a = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAP1'));
      const b = await resolveSnapshot(repo, requirePositional(positionals, 1, 'SNAP2'));
      const diff = await diffTrees(repo, a.tree, b.tree);
      if (values.json) io.out(JSON.stringify(diff));
      else {
        for (const p of diff.added) io.out(`+ ${p}`);
        for (const p of diff.removed) io.out(`- ${p}`);
        for (const p of diff.changed) io.out(`M ${p}`);
        io.out(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
      }
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
