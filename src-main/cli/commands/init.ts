import { Repository } from '../../core/engine/repository';
import { defineCommand } from '../command';
import { accessRepo, JSON_OPTION, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK } from '../usage';

export const initCommand = defineCommand({
  name: 'init',
  summary: 'Create an encrypted repository.',
  usage: ['init --repo REPO [--json]'],
  options: { ...REPO_OPTIONS, ...JSON_OPTION },
  env: REPO_ENV,
  async run({ values }, io, env) {
    const { backend, passphrase } = await accessRepo(values.repo, env, values);
    try {
      const repo = await Repository.init(backend, await passphrase());
      if (values.json) io.out(JSON.stringify({ id: repo.config.id, location: repo.location }));
      else {
        io.out(`Created repository ${repo.config.id.slice(0, 8)} at ${repo.location}.`);
        io.out('Keep the passphrase safe: without it, no one (not even SiteVault) can read these backups.');
      }
      return EXIT_OK;
    } finally {
      await backend.close();
    }
  },
});
