import { parseArgs } from 'node:util';
import { openCore } from '../../core/open-core';
import { EXIT_OK } from '../usage';
import type { CliOutput } from '../output';

export async function infoCommand(args: string[], io: CliOutput): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const core = await openCore({ shell: 'cli' });
  const info = await core.handlers['app:info']({});
  const keychain = await core.handlers['keychain:status']({});
  if (values.json) {
    io.out(JSON.stringify({ ...info, keychain }, null, 2));
    return EXIT_OK;
  }
  io.out(`${info.name} ${info.version} (${info.platform}/${info.arch}, Node ${info.nodeVersion})`);
  io.out(`Data folder: ${info.dataDir}`);
  io.out(
    keychain.available
      ? `Keychain:    ${keychain.backend}, available`
      : `Keychain:    ${keychain.backend}, NOT available. ${keychain.problem ?? ''}`,
  );
  return EXIT_OK;
}
