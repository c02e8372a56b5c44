import { rebuildIndex } from '../../core/engine/check';
import { defineCommand, type CommandGroup } from '../command';
import { openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK } from '../usage';

const repairIndex = defineCommand({
  name: 'repair index',
  summary: 'Rebuild the repository’s index from the pack headers.',
  usage: ['repair index --repo REPO'],
  options: REPO_OPTIONS,
  env: REPO_ENV,
  async run({ values }, io, env) {
    const repo = await openRepo(values.repo, env, values, { loadIndex: false });
    try {
      const result = await rebuildIndex(repo);
      io.out(`Rebuilt the index from ${result.packs} pack headers.${result.unreadable.length ? ` Unreadable packs: ${result.unreadable.join(', ')}` : ''}`);
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});

export const repairCommand: CommandGroup = { name: 'repair', summary: 'Repair a damaged repository.', subcommands: [repairIndex] };
