import type { Backend } from '../core/backends/backend';
import { openBackend, type ConnectionSecrets } from '../core/backends/open-backend';
import { parseStorageLocation } from '../core/backends/location';
import { Repository, type LocalContext } from '../core/engine/repository';
import { localContext } from '../core/local-context';
import { openCore, type Core } from '../core/open-core';
import { resolveDataDir } from '../core/paths';
import { SettingsStore } from '../core/settings/settings-store';
import { UsageError } from './usage';
import { readHiddenLine } from './prompt';

export interface RemoteFlags {
  identity?: string;
  'host-key'?: string;
  'accept-new-host-key'?: boolean;
  ca?: string;
  'tls-fingerprint'?: string;
  's3-endpoint'?: string;
  's3-region'?: string;
  's3-path-style'?: boolean;
  's3-storage-class'?: string;
}

export const REMOTE_OPTIONS = {
  identity: { type: 'string', value: 'FILE', help: 'The SSH private key for an sftp:// repository.' },
  'host-key': { type: 'string', value: 'SHA256:…', help: 'The SSH host key you confirmed with the host (it is pinned).' },
  'accept-new-host-key': { type: 'boolean', default: false, help: 'Trust the key or certificate the server shows this once; check it first.' },
  ca: { type: 'string', value: 'FILE', help: 'FTPS: the CA that issued the server’s certificate (the host name is still checked).' },
  'tls-fingerprint': { type: 'string', value: 'SHA256:…', help: 'FTPS: the certificate you confirmed with the host (it is pinned).' },
  's3-endpoint': { type: 'string', value: 'URL', help: 'S3: the service’s address, https://host:port (none for AWS).' },
  's3-region': { type: 'string', value: 'REGION', help: 'S3: the bucket’s region (default us-east-1).' },
  's3-path-style': { type: 'boolean', default: false, help: 'S3: address the bucket in the path (MinIO, most self-hosted servers).' },
  's3-storage-class': { type: 'string', value: 'CLASS', help: 'S3: the storage class for new objects, where the provider has them.' },
} as const;

/** `--repo` and how to trust its server: the options of every command that opens a repository. */
export const REPO_OPTIONS = {
  repo: { type: 'string', value: 'REPO', help: 'The repository: a folder, sftp://user@host:port/path, ftp://…, ftps://…, s3://bucket/prefix, or a saved destination’s name.' },
  ...REMOTE_OPTIONS,
} as const;

export const JSON_OPTION = { json: { type: 'boolean', default: false, help: 'Print JSON instead of text.' } } as const;

/** The variables a command that opens a repository reads. */
export const REPO_ENV: Record<string, string> = {
  SITEVAULT_PASSPHRASE: 'The repository passphrase (never taken from the command line; asked on a terminal).',
  SITEVAULT_REPO_PASSWORD: 'The login password of the repository’s server.',
  SITEVAULT_KEY_PASSPHRASE: 'The passphrase of an encrypted --identity key.',
  SITEVAULT_S3_ACCESS_KEY_ID: 'The access key id of an s3:// repository.',
  SITEVAULT_S3_SECRET_ACCESS_KEY: 'The secret access key of an s3:// repository.',
  SITEVAULT_HOME: 'The data folder (settings, catalog); a saved destination’s secrets come from the keychain.',
};

/** S3 keys come from these variables, never from the command line. */
export const S3_KEY_VARIABLES = { accessKeyId: 'SITEVAULT_S3_ACCESS_KEY_ID', secretAccessKey: 'SITEVAULT_S3_SECRET_ACCESS_KEY' } as const;

/** The backend for a location given on the command line (`s3://…` takes its settings from flags and keys from the environment). */
function openLocation(spec: string, env: NodeJS.ProcessEnv, passwordVariable: string, flags: RemoteFlags): Backend {
  if (!/^s3:\/\//i.test(spec)) return openBackend(parseStorageLocation(spec), secretsFromEnv(env, passwordVariable, flags));
  const accessKeyId = env[S3_KEY_VARIABLES.accessKeyId];
  const secretAccessKey = env[S3_KEY_VARIABLES.secretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(`An s3:// repository needs its keys in ${S3_KEY_VARIABLES.accessKeyId} and ${S3_KEY_VARIABLES.secretAccessKey} (never on the command line).`);
  }
  const location = parseStorageLocation(spec, {
    endpoint: flags['s3-endpoint'] ?? '',
    region: flags['s3-region'] ?? '',
    pathStyle: flags['s3-path-style'] ?? false,
    storageClass: flags['s3-storage-class'] ?? '',
    accessKeyId,
  });
  return openBackend(location, { password: secretAccessKey, caFile: flags.ca });
}

/** A passphrase from the environment, or asked for on the terminal; never from argv. */
export async function passphraseFrom(env: NodeJS.ProcessEnv, variable: string, prompt: string, confirm = false): Promise<string> {
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError(`No repository passphrase: set ${variable} (it is never taken from the command line).`);
  }
  const first = await readHiddenLine(prompt);
  if (confirm && (await readHiddenLine('Repeat it: ')) !== first) throw new UsageError('The passphrases did not match.');
  if (first === '') throw new UsageError('The passphrase must not be empty.');
  return first;
}

export function secretsFromEnv(env: NodeJS.ProcessEnv, variable: string, flags: RemoteFlags): ConnectionSecrets {
  return {
    password: env[variable] || undefined,
    identityFile: flags.identity,
    keyPassphrase: env['SITEVAULT_KEY_PASSPHRASE'] || undefined,
    hostKey: flags['host-key'],
    acceptNewHostKey: flags['accept-new-host-key'] ?? false,
    caFile: flags.ca,
    tlsFingerprint: flags['tls-fingerprint'],
  };
}

/** Environment variables a repository's secrets come from. */
export interface RepoVariables {
  password: string;
  passphrase: string;
}
const REPO_VARIABLES: RepoVariables = { password: 'SITEVAULT_REPO_PASSWORD', passphrase: 'SITEVAULT_PASSPHRASE' };

export interface RepoAccess {
  backend: Backend;
  /** The environment first, then the saved destination's keychain entry, then a prompt. */
  passphrase(): Promise<string>;
  /** This installation (SITEVAULT_HOME): its id for the snapshots it writes, and its cache folder. */
  local(): Promise<LocalContext>;
}

/** REPO is a saved destination's name, not a location: no scheme, no slash, no leading dot. */
export function looksLikeName(spec: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !spec.includes('/') && !spec.startsWith('.');
}

/** A mistyped destination name is an error naming the saved ones, never a new local folder. */
function refuseUnknownName(core: Core, spec: string): void {
  if (core.destinations.find(spec)) return;
  const names = core.destinations.list().map((d) => d.name);
  throw new UsageError(`No saved destination is named ${spec}${names.length ? ` (saved: ${names.join(', ')})` : ' (none is saved yet)'}. ` + `A folder is given as a path: ./${spec} or an absolute path.`);
}

/**
 * REPO as the service's operations take it: a saved destination by its name (its secrets from
 * the keychain), or a location given here, lent to the service for this process under a name
 * of its own (the passphrase asked now, nothing saved).
 */
export async function serviceRepository(core: Core, spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags): Promise<string> {
  if (!spec) throw new UsageError('--repo is required.');
  if (looksLikeName(spec)) {
    refuseUnknownName(core, spec);
    return spec;
  }
  const open = () => openLocation(spec, env, REPO_VARIABLES.password, flags);
  const probe = open();
  const location = probe.properties.location;
  await probe.close();
  const passphrase = await passphraseFrom(env, REPO_VARIABLES.passphrase, `Passphrase for ${location}: `);
  return core.destinations.useUnsaved({ open, passphrase });
}

/**
 * The backend for REPO and where its passphrase comes from. A saved destination's name
 * selects it (secrets from the keychain, looked up once); anything else is a location.
 */
export async function accessRepo(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, variables: RepoVariables = REPO_VARIABLES): Promise<RepoAccess> {
  if (!spec) throw new UsageError('--repo is required.');
  const core = looksLikeName(spec) ? await openCore({ shell: 'cli', env }) : null;
  if (core) refuseUnknownName(core, spec);
  const saved = core ? await core.destinations.open(spec) : null;
  const backend = saved ? saved.backend : openLocation(spec, env, variables.password, flags);
  return {
    backend,
    passphrase: async () => (!env[variables.passphrase] && saved?.passphrase) || passphraseFrom(env, variables.passphrase, `Passphrase for ${backend.properties.location}: `),
    local: async () => localContext(core?.settings ?? (await SettingsStore.open(resolveDataDir(env)))),
  };
}

export async function openRepo(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, options: { loadIndex?: boolean } = {}): Promise<Repository> {
  const { backend, passphrase, local } = await accessRepo(spec, env, flags);
  try {
    return await Repository.open(backend, await passphrase(), { ...options, local: await local() });
  } catch (error) {
    await backend.close();
    throw error;
  }
}

export function requirePositional(args: string[], index: number, what: string): string {
  const value = args[index];
  if (value === undefined) throw new UsageError(`Missing ${what}.`);
  return value;
}
