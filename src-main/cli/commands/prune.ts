import { prune } from '../../core/engine/prune';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { terminalProgress } from '../progress-bar';
import { JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK } from '../usage';

export const pruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove data no snapshot needs; repack mostly-unused packs.',
  usage: ['prune --repo REPO [--json]'],
  options: { ...REPO_OPTIONS, ...JSON_OPTION },
  env: REPO_ENV,
  async run({ values }, io, env) {
    const repo = await openRepo(values.repo, env, values);
    const bar = terminalProgress();
    try {
      const report = await prune(repo, { onProgress: bar.listener });
      bar.done();
      if (values.json) io.out(JSON.stringify(report));
      else io.out(`Pruned: ${report.packsDeleted} packs deleted, ${report.packsRepacked} repacked, ${report.packsKept} kept, ${formatBytes(report.bytesFreed)} freed.`);
      return EXIT_OK;
    } finally {
      await repo.backend.close();
    }
  },
});
