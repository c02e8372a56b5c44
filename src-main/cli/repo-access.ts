import type { Backend } from '../core/backends/backend';
import { openBackend, type ConnectionSecrets } from '../core/backends/open-backend';
import { parseLocation } from '../core/backends/location';
import { Repository } from '../core/engine/repository';
import { openCore } from '../core/open-core';
import { UsageError } from './usage';
import { readHiddenLine } from './prompt';

export interface RemoteFlags {
  identity?: string;
  'host-key'?: string;
  'accept-new-host-key'?: boolean;
  ca?: string;
  'tls-fingerprint'?: string;
}

export const REMOTE_OPTIONS = {
  identity: { type: 'string' },
  'host-key': { type: 'string' },
  'accept-new-host-key': { type: 'boolean', default: false },
  ca: { type: 'string' },
  'tls-fingerprint': { type: 'string' },
} as const;

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
}

/**
 * The backend for REPO and where its passphrase comes from. A saved destination's name
 * selects it (secrets from the keychain, looked up once); anything else is a location.
 */
export async function accessRepo(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, variables: RepoVariables = REPO_VARIABLES): Promise<RepoAccess> {
  if (!spec) throw new UsageError('--repo is required.');
  const looksLikeName = !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !spec.includes('/') && !spec.startsWith('.');
  const core = looksLikeName ? await openCore({ shell: 'cli', env }) : null;
  const saved = core?.destinations.find(spec) ? await core.destinations.open(spec) : null;
  const backend = saved ? saved.backend : openBackend(parseLocation(spec), secretsFromEnv(env, variables.password, flags));
  return {
    backend,
    passphrase: async () =>
      (!env[variables.passphrase] && saved?.passphrase) || passphraseFrom(env, variables.passphrase, `Passphrase for ${backend.properties.location}: `),
  };
}

export async function openRepo(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, options: { loadIndex?: boolean } = {}): Promise<Repository> {
  const { backend, passphrase } = await accessRepo(spec, env, flags);
  try {
    return await Repository.open(backend, await passphrase(), options);
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
