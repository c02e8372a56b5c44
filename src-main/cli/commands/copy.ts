import { copySnapshots } from '../../core/engine/copy';
import { Repository } from '../../core/engine/repository';
import { defineCommand } from '../command';
import { formatBytes } from '../format';
import { terminalProgress } from '../progress-bar';
import { accessRepo, JSON_OPTION, openRepo, REPO_ENV, REPO_OPTIONS } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

export const copyCommand = defineCommand({
  name: 'copy',
  summary: 'Copy snapshots to a second repository, transferring only the data it lacks.',
  usage: ['copy --repo REPO --to REPO2 [--site NAME] [--json]'],
  details: ['REPO2 is created when it does not exist yet, with the same chunking so that data dedups across both.'],
  options: {
    ...REPO_OPTIONS,
    ...JSON_OPTION,
    to: { type: 'string', value: 'REPO2', help: 'The repository to copy to (a folder, a URL or a saved destination).' },
    site: { type: 'string', value: 'NAME', help: 'Only this site’s snapshots.' },
  },
  env: {
    ...REPO_ENV,
    SITEVAULT_TO_PASSPHRASE: 'The passphrase of REPO2 (default: the same as REPO’s).',
    SITEVAULT_TO_REPO_PASSWORD: 'The login password of REPO2’s server.',
  },
  async run({ values }, io, env) {
    if (!values.to) throw new UsageError('--to REPO2 is required.');
    const source = await openRepo(values.repo, env, values);
    // The destination's login and passphrase have their own variables; the passphrase defaults to the source's.
    const toEnv = { ...env, SITEVAULT_TO_PASSPHRASE: env['SITEVAULT_TO_PASSPHRASE'] || env['SITEVAULT_PASSPHRASE'] };
    const to = await accessRepo(values.to, toEnv, values, { password: 'SITEVAULT_TO_REPO_PASSWORD', passphrase: 'SITEVAULT_TO_PASSPHRASE' });
    const destinationBackend = to.backend;
    const bar = terminalProgress();
    try {
      const passphrase = await to.passphrase();
      const destination = (await Repository.exists(destinationBackend)) ? await Repository.open(destinationBackend, passphrase) : await Repository.init(destinationBackend, passphrase, source.keys);
      const report = await copySnapshots(source, destination, { site: values.site, onProgress: bar.listener });
      bar.done();
      if (values.json) io.out(JSON.stringify(report));
      else io.out(`Copied ${report.copied.length} snapshots (${report.skipped.length} already there), ${report.blobsCopied} blobs, ${formatBytes(report.bytesAdded)} added.`);
      return EXIT_OK;
    } finally {
      await source.backend.close();
      await destinationBackend.close();
    }
  },
});
