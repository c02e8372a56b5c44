import { parseArgs } from 'node:util';
import { parseLocation } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import type { CliOutput } from '../output';
import { CONNECTION_FLAGS, pinOnFirstUse, secretFromEnv } from '../trust-and-secrets';
import { EXIT_OK, UsageError } from '../usage';


/** `sitevault destination add|list|remove`: saved destinations, secrets in the keychain. */
export async function destinationCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = args;
  const core = await openCore({ shell: 'cli', env });
  switch (action) {
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true });
      const list = await Promise.all(
        core.destinations.list().map(async (d) => ({
          ...d,
          hasPassword: await core.destinations.has(d.name, 'password'),
          hasPassphrase: await core.destinations.has(d.name, 'passphrase'),
        })),
      );
      if (values.json) io.out(JSON.stringify(list));
      else for (const d of list) io.out(`${d.name.padEnd(40)} ${d.url}${d.hasPassword ? '  (password stored)' : ''}`);
      return EXIT_OK;
    }
    case 'remove': {
      const name = rest[0];
      if (!name) throw new UsageError('Usage: sitevault destination remove NAME');
      await core.destinations.remove(name);
      io.out(`Removed destination ${name} and its secrets.`);
      return EXIT_OK;
    }
    case 'add': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: {
          ...CONNECTION_FLAGS,
          'passphrase-env': { type: 'string' },
        },
      });
      const name = positionals[0];
      if (!name) throw new UsageError('Usage: sitevault destination add NAME --url URL [--password-env VAR] [--passphrase-env VAR] …');
      if (name.length > 40) throw new UsageError(`A destination name has at most 40 characters (${name.length} given).`);
      if (!values.url) throw new UsageError('--url is required.');
      const location = parseLocation(values.url);
      const password = secretFromEnv(env, values['password-env'], '--password-env');
      const keyPassphrase = secretFromEnv(env, values['key-passphrase-env'], '--key-passphrase-env');
      const { hostKey, tlsFingerprint } = values['accept-new-host-key']
        ? await pinOnFirstUse(location, { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null, ca: values.ca }, { password, identityFile: values.identity, keyPassphrase }, Number(values.timeout), io)
        : { hostKey: values['host-key'] ?? null, tlsFingerprint: values['tls-fingerprint'] ?? null };
      const numbers = { timeoutSeconds: Number(values.timeout), maxRetries: Number(values['max-retries']), maxConnections: Number(values['max-connections']) };
      for (const [key, value] of Object.entries(numbers)) if (!Number.isInteger(value) || value < 0) throw new UsageError(`${key} must be a whole number.`);
      const saved = await core.destinations.save(
        {
          name,
          url: location.kind === 'local' ? location.path : values.url,
          identityFile: values.identity ?? null,
          hostKey,
          caFile: values.ca ?? null,
          tlsFingerprint,
          ...numbers,
          passive: !values.active,
        },
        { password, keyPassphrase, passphrase: secretFromEnv(env, values['passphrase-env'], '--passphrase-env') },
      );
      io.out(`Saved destination ${saved.name} (${saved.url}); its secrets are in the keychain.`);
      return EXIT_OK;
    }
    default:
      throw new UsageError('Usage: sitevault destination add|list|remove …');
  }
}
