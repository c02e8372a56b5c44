import { openCore } from '../../core/open-core';
import { defineCommand } from '../command';
import { JSON_OPTION } from '../repo-access';
import { EXIT_OK } from '../usage';

export const infoCommand = defineCommand({
  name: 'info',
  summary: 'Show the version, the data folder and whether the keychain works.',
  usage: ['info [--json]'],
  options: JSON_OPTION,
  env: { SITEVAULT_HOME: 'The data folder (default: the platform’s app-data folder).' },
  async run({ values }, io) {
    const core = await openCore({ shell: 'cli' });
    const info = await core.handlers['app:info']({});
    const keychain = await core.handlers['keychain:status']({});
    if (values.json) {
      io.out(JSON.stringify({ ...info, keychain }, null, 2));
      return EXIT_OK;
    }
    io.out(`${info.name} ${info.version} (${info.platform}/${info.arch}, Node ${info.nodeVersion})`);
    io.out(`Data folder: ${info.dataDir}`);
    io.out(keychain.available ? `Keychain:    ${keychain.backend}, available` : `Keychain:    ${keychain.backend}, NOT available. ${keychain.problem ?? ''}`);
    return EXIT_OK;
  },
});
