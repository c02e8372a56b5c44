import { parseLocation, sameServer } from '../../core/backends/location';
import { openCore } from '../../core/open-core';
import type { Input } from '../../core/contract/operations';
import { destinationSchema, type Destination } from '../../core/settings/settings-store';
import { defineCommand, withoutDefaults, type CommandGroup, type OptionValues } from '../command';
import type { CliOutput } from '../output';
import { JSON_OPTION, requirePositional } from '../repo-access';
import { callService } from '../service-call';
import { CONNECTION_FLAGS, pinOnFirstUse, secretFromEnv } from '../trust-and-secrets';
import { EXIT_OK, UsageError, wholeNumber } from '../usage';

const DESTINATION_ENV = { SITEVAULT_HOME: 'The data folder (settings, catalog); secrets are in the keychain.' };

const destinationList = defineCommand({
  name: 'destination list',
  summary: 'List the saved destinations.',
  usage: ['destination list [--json]'],
  options: JSON_OPTION,
  env: DESTINATION_ENV,
  async run({ values }, io, env) {
    const core = await openCore({ shell: 'cli', env });
    const list = (await callService(core, 'destination:list', {})).destinations;
    if (values.json) io.out(JSON.stringify(list));
    else if (list.length === 0) io.out('No destinations yet. Add one with sitevault destination add NAME --url URL (see sitevault destination add --help).');
    else for (const d of list) io.out(`${d.name.padEnd(40)} ${describeDestination(d)}${d.hasPassword ? `  (${d.s3 ? 'secret key' : 'password'} stored)` : ''}`);
    return EXIT_OK;
  },
});

const destinationRemove = defineCommand({
  name: 'destination remove',
  summary: 'Remove a saved destination and its secrets (the repository itself is left as it is).',
  usage: ['destination remove NAME'],
  positionals: [{ name: 'NAME', help: 'The destination’s name, as saved.' }],
  options: {},
  env: DESTINATION_ENV,
  async run({ positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    const core = await openCore({ shell: 'cli', env });
    await callService(core, 'destination:remove', { name });
    io.out(`Removed destination ${name} and its secrets.`);
    return EXIT_OK;
  },
});

/** The flags of an s3:// destination; its keys come from the environment, never from the command line. */
const S3_FLAGS = {
  endpoint: { type: 'string', value: 'URL', help: 'S3: the service’s address, https://host[:port] (none for AWS).' },
  region: { type: 'string', value: 'REGION', help: 'S3: the bucket’s region (default us-east-1; auto for Cloudflare R2).' },
  'access-key-id-env': { type: 'string', value: 'VAR', help: 'S3: the variable that holds the access key id (kept in the settings).' },
  'secret-key-env': { type: 'string', value: 'VAR', help: 'S3: the variable that holds the secret access key (stored in the keychain).' },
  'path-style': { type: 'boolean', default: false, help: 'S3: address the bucket in the path (MinIO, most self-hosted servers).' },
  'storage-class': { type: 'string', value: 'CLASS', help: 'S3: the storage class of new objects (STANDARD_IA, …), where the provider has them.' },
} as const;

/** The settings of a destination, as `destination edit` takes them: an option not given keeps what is saved. */
const DESTINATION_FLAGS = {
  ...withoutDefaults(CONNECTION_FLAGS),
  url: { type: 'string', value: 'URL', help: 'sftp://user@host:port/path, ftp://…, ftps://… (explicit TLS), s3://bucket/prefix, or a folder; never with a password in it.' },
  ca: { type: 'string', value: 'FILE', help: 'FTPS or S3: the CA that issued the server’s certificate (the host name is still checked).' },
  ...S3_FLAGS,
  'path-style': { type: 'boolean', help: S3_FLAGS['path-style'].help },
  'passphrase-env': { type: 'string', value: 'VAR', help: 'The variable that holds the repository passphrase (stored in the keychain).' },
} as const;

type DestinationFlagValues = OptionValues<typeof DESTINATION_FLAGS> & { passive?: boolean; 'virtual-hosted'?: boolean };

/**
 * What `destination add` (over nothing) and `destination edit` (over the saved one) send to
 * `destination:save`: the flags given, and for the rest what is saved (or the defaults).
 */
async function destinationSaveInput(name: string, values: DestinationFlagValues, current: Destination | null, env: NodeJS.ProcessEnv, io: CliOutput): Promise<Input<'destination:save'>> {
  const url = values.url ?? current?.url;
  if (!url) throw new UsageError('--url is required.');
  const numbers = {
    timeoutSeconds: wholeNumber(values.timeout, 'timeout') ?? current?.timeoutSeconds ?? 30,
    maxRetries: wholeNumber(values['max-retries'], 'max-retries') ?? current?.maxRetries ?? 5,
    maxConnections: wholeNumber(values['max-connections'], 'max-connections') ?? current?.maxConnections ?? 0,
  };
  const passphrase = secretFromEnv(env, values['passphrase-env'], '--passphrase-env');
  const isS3 = /^s3:\/\//i.test(url);
  const given = (flags: readonly string[]) => flags.filter((flag) => values[flag as keyof typeof values] !== undefined && values[flag as keyof typeof values] !== false).map((flag) => `--${flag}`);
  if (isS3) {
    const foreign = given(['password-env', 'identity', 'key-passphrase-env', 'host-key', 'accept-new-host-key', 'tls-fingerprint', 'active', 'passive']);
    if (foreign.length > 0)
      throw new UsageError(
        `${foreign.join(', ')} ${foreign.length > 1 ? 'do' : 'does'} not apply to an s3:// destination (its keys come from --access-key-id-env and --secret-key-env; its certificate is checked against the system’s CAs or --ca).`,
      );
    const saved = current?.s3 ?? null;
    if (!saved && (!values['access-key-id-env'] || !values['secret-key-env']))
      throw new UsageError('An s3:// destination needs --access-key-id-env VAR and --secret-key-env VAR (the keys are never taken from the command line).');
    return {
      name,
      url,
      ...numbers,
      passphrase,
      s3: {
        endpoint: values.endpoint ?? saved?.endpoint ?? '',
        region: values.region ?? saved?.region ?? '',
        pathStyle: values['path-style'] ? true : values['virtual-hosted'] ? false : (saved?.pathStyle ?? false),
        accessKeyId: secretFromEnv(env, values['access-key-id-env'], '--access-key-id-env') ?? saved!.accessKeyId,
        storageClass: values['storage-class'] ?? saved?.storageClass ?? '',
      },
      password: secretFromEnv(env, values['secret-key-env'], '--secret-key-env'),
      caFile: values.ca ?? current?.caFile ?? null,
    };
  }
  const foreign = given([...Object.keys(S3_FLAGS), 'virtual-hosted']);
  if (foreign.length > 0) throw new UsageError(`${foreign.join(', ')} ${foreign.length > 1 ? 'are' : 'is'} for s3:// destinations only.`);
  const location = parseLocation(url);
  // A pinned key or certificate belongs to its server: a new server is confirmed again.
  const keepPins = current !== null && !current.s3 && sameServer(current.url, url);
  const pins = { hostKey: values['host-key'] ?? (keepPins ? current!.hostKey : null), tlsFingerprint: values['tls-fingerprint'] ?? (keepPins ? current!.tlsFingerprint : null) };
  const ca = values.ca ?? current?.caFile ?? undefined;
  const { hostKey, tlsFingerprint } = values['accept-new-host-key'] ? await pinOnFirstUse(location, { ...pins, ca }, numbers.timeoutSeconds, io) : pins;
  return {
    name,
    url: location.kind === 'local' ? location.path : url,
    ...numbers,
    passphrase,
    identityFile: values.identity ?? (values['password-env'] ? null : (current?.identityFile ?? null)),
    hostKey,
    caFile: ca ?? null,
    tlsFingerprint,
    passive: values.active ? false : values.passive ? true : (current?.passive ?? true),
    password: secretFromEnv(env, values['password-env'], '--password-env'),
    keyPassphrase: secretFromEnv(env, values['key-passphrase-env'], '--key-passphrase-env'),
  };
}

const destinationAdd = defineCommand({
  name: 'destination add',
  summary: 'Save where backups go: a folder, an SFTP or FTP(S) server, or an S3 bucket; secrets go to the keychain.',
  usage: [
    'destination add NAME --url URL|DIR [--password-env VAR] [--passphrase-env VAR] [options]',
    'destination add NAME --url s3://BUCKET/PREFIX [--endpoint URL] [--region R] --access-key-id-env VAR --secret-key-env VAR [--path-style] [--storage-class C] [--ca FILE] [--passphrase-env VAR]',
  ],
  details: [
    'An s3:// destination works with AWS S3, Backblaze B2, Wasabi, Cloudflare R2, MinIO and other S3-compatible',
    'services; the bucket must exist. Create its repository with: sitevault init --repo NAME',
    'A name already saved is refused: change that destination with destination edit.',
  ],
  positionals: [{ name: 'NAME', help: 'A name of at most 40 characters; it works wherever REPO does.' }],
  options: { ...DESTINATION_FLAGS, ...CONNECTION_FLAGS, url: DESTINATION_FLAGS.url, ca: DESTINATION_FLAGS.ca, 'path-style': S3_FLAGS['path-style'] },
  env: DESTINATION_ENV,
  async run({ values, positionals }, io, env) {
    const core = await openCore({ shell: 'cli', env });
    const name = positionals[0];
    if (!name) throw new UsageError('Usage: sitevault destination add NAME --url URL [--password-env VAR] [--passphrase-env VAR] …');
    if (name.length > 40) throw new UsageError(`A destination name has at most 40 characters (${name.length} given).`);
    if (!values.url) throw new UsageError('--url is required.');
    const input = await destinationSaveInput(name, values, null, env, io);
    const { destination: saved } = await callService(core, 'destination:save', { ...input, create: false, mode: 'add' });
    io.out(`Saved destination ${saved.name} (${describeDestination(saved)}); its secrets are in the keychain.`);
    return EXIT_OK;
  },
});

const destinationEdit = defineCommand({
  name: 'destination edit',
  summary: 'Change a saved destination: only the options given change; the rest stays as saved.',
  usage: ['destination edit NAME [--url URL] [--password-env VAR] [--secret-key-env VAR] [--region R] [options]'],
  details: [
    'A new password, secret key or passphrase replaces the one in the keychain (--passphrase-env only stores it: change the',
    'repository’s own passphrase with key passwd). An address on another server needs its host key or certificate confirmed again.',
  ],
  positionals: [{ name: 'NAME', help: 'The destination’s name, as saved.' }],
  options: {
    ...DESTINATION_FLAGS,
    passive: { type: 'boolean', help: 'FTP: passive mode again.' },
    'virtual-hosted': { type: 'boolean', help: 'S3: address the bucket in the host name again (AWS).' },
  },
  env: DESTINATION_ENV,
  async run({ values, positionals }, io, env) {
    const name = requirePositional(positionals, 0, 'NAME');
    const core = await openCore({ shell: 'cli', env });
    const { settings, revision } = await callService(core, 'destination:get', { name });
    const current = destinationSchema.parse(settings);
    const input = await destinationSaveInput(name, values, current, env, io);
    const { destination: saved } = await callService(core, 'destination:save', { ...input, create: false, mode: 'edit', basedOn: revision });
    io.out(`Saved destination ${saved.name} (${describeDestination(saved)}).`);
    return EXIT_OK;
  },
});

/** The destination's place in words: an S3 one with its endpoint and region. */
function describeDestination(d: { url: string; s3: { endpoint: string; region: string } | null }): string {
  return d.s3 ? `${d.url} at ${d.s3.endpoint || 'AWS'}, region ${d.s3.region}` : d.url;
}

export const destinationCommand: CommandGroup = {
  name: 'destination',
  summary: 'Save, edit, list and remove destinations (where backups are stored).',
  subcommands: [destinationAdd, destinationEdit, destinationList, destinationRemove],
};
