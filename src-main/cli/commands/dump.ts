import { resolveSnapshot } from '../../core/engine/snapshots';
import { findNode } from '../../core/engine/tree-walk';
import { defineCommand } from '../command';
import { openRepo, REPO_ENV, REPO_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

export const dumpCommand = defineCommand({
  name: 'dump',
  summary: 'Write one file of a snapshot to standard output.',
  usage: ['dump --repo REPO SNAPSHOT PATH'],
  positionals: [
    { name: 'SNAPSHOT', help: 'A snapshot id (a prefix is enough) or "latest".' },
    { name: 'PATH', help: 'The file in the snapshot (the database dump is .sitevault/database.sql).' },
  ],
  options: REPO_OPTIONS,
  env: REPO_ENV,
  async run({ values, positionals }, _io, env) {
    const repo = await openRepo(values.repo, env, values);
    try {
      const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
      const at = await findNode(repo, snapshot.tree, requirePositional(positionals, 1, 'PATH'));
      if (!at.node || at.node.type !== 'file') throw new UsageError(`${positionals[1]} is not a file in the snapshot.`);
      for (const blob of at.node.content) {
        const data = await repo.readBlob(blob);
        // Raw bytes go straight to stdout: CliOutput is for lines of text.
        if (!process.stdout.write(data)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
