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

/** A saved destination's name selects it (secrets from the keychain); anything else is a location. */
async function savedDestination(spec: string, env: NodeJS.ProcessEnv) {
  if (/^[a-z]+:\/\//i.test(spec) || spec.includes('/') || spec.startsWith('.')) return null;
  const core = await openCore({ shell: 'cli', env });
  return core.destinations.find(spec) ? core.destinations.open(spec) : null;
}

export async function backendFor(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, passwordVariable = 'SITEVAULT_REPO_PASSWORD'): Promise<Backend> {
  if (!spec) throw new UsageError('--repo is required.');
  const saved = await savedDestination(spec, env);
  if (saved) return saved.backend;
  const location = parseLocation(spec);
  return openBackend(location, secretsFromEnv(env, passwordVariable, flags));
}

/** The passphrase: the environment first, then the saved destination's keychain entry, then a prompt. */
export async function repositoryPassphrase(spec: string, backend: Backend, env: NodeJS.ProcessEnv, variable = 'SITEVAULT_PASSPHRASE'): Promise<string> {
  if (!env[variable]) {
    const saved = await savedDestination(spec, env);
    if (saved?.passphrase) return saved.passphrase;
  }
  return passphraseFrom(env, variable, `Passphrase for ${backend.properties.location}: `);
}

export async function openRepo(spec: string | undefined, env: NodeJS.ProcessEnv, flags: RemoteFlags, options: { loadIndex?: boolean } = {}): Promise<Repository> {
  const backend = await backendFor(spec, env, flags);
  try {
    const passphrase = await repositoryPassphrase(spec!, backend, env);
    return await Repository.open(backend, passphrase, options);
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
