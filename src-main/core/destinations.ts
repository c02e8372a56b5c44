import { createHash } from 'node:crypto';
import { ApiError } from './contract/errors';
import type { Backend } from './backends/backend';
import { parseLocation, type Location } from './backends/location';
import { openBackend } from './backends/open-backend';
import { SharedBackends } from './backends/shared-backend';
import type { SecretStore } from './secrets/keychain';
import { destinationSchema, type Destination, type SettingsStore } from './settings/settings-store';

export type DestinationSecret = 'password' | 'passphrase' | 'keyPassphrase';

export function secretAccount(name: string, secret: DestinationSecret): string {
  return `destination:${name}:${secret}`;
}

export interface DestinationSecrets {
  password?: string;
  passphrase?: string;
  keyPassphrase?: string;
}

/**
 * Saved destinations: settings in settings.json, secrets in the keychain. If the keychain
 * cannot store a secret, saving fails and says so; nothing falls back to plain text.
 */
export class Destinations {
  readonly #shared = new SharedBackends();

  constructor(
    private readonly settings: SettingsStore,
    private readonly secrets: SecretStore,
  ) {}

  list(): Destination[] {
    return [...this.settings.data.destinations];
  }

  find(name: string): Destination | undefined {
    return this.settings.data.destinations.find((d) => d.name === name);
  }

  async has(name: string, secret: DestinationSecret): Promise<boolean> {
    return this.secrets.has(secretAccount(name, secret));
  }

  async save(input: Partial<Destination> & { name: string; url: string }, secrets: DestinationSecrets): Promise<Destination> {
    const destination = destinationSchema.parse(input);
    parseLocation(destination.url);
    if (/[/\\\\]/.test(destination.name) || destination.name.trim() !== destination.name) {
      throw new ApiError('BAD_REQUEST', 'A destination name cannot contain slashes or start or end with a space.');
    }
    for (const [key, value] of Object.entries(secrets) as Array<[DestinationSecret, string | undefined]>) {
      if (value !== undefined) await this.secrets.write(secretAccount(destination.name, key), value);
    }
    await this.settings.update((draft) => {
      draft.destinations = [...draft.destinations.filter((d) => d.name !== destination.name), destination];
    });
    return destination;
  }

  async remove(name: string): Promise<void> {
    if (!this.find(name)) throw new ApiError('NOT_FOUND', `No destination named ${name}.`);
    await this.settings.update((draft) => {
      draft.destinations = draft.destinations.filter((d) => d.name !== name);
    });
    for (const secret of ['password', 'passphrase', 'keyPassphrase'] as const) await this.secrets.remove(secretAccount(name, secret));
  }

  /** The destination's backend, with its login secrets read from the keychain. */
  async open(name: string): Promise<{ backend: Backend; passphrase: string | null; location: Location }> {
    const destination = this.find(name);
    if (!destination) throw new ApiError('NOT_FOUND', `No destination named ${name}.`);
    const location = parseLocation(destination.url);
    const read = (secret: DestinationSecret) => this.secrets.read(secretAccount(name, secret)).then((v) => v ?? undefined);
    const secrets = {
      password: await read('password'),
      keyPassphrase: await read('keyPassphrase'),
      identityFile: destination.identityFile ?? undefined,
      hostKey: destination.hostKey ?? undefined,
      caFile: destination.caFile ?? undefined,
      tlsFingerprint: destination.tlsFingerprint ?? undefined,
    };
    const settings = { timeoutSeconds: destination.timeoutSeconds, maxRetries: destination.maxRetries, maxConnections: destination.maxConnections, passive: destination.passive };
    const open = () => openBackend(location, secrets, settings);
    // With a connection limit, jobs share one pool so the limit holds across them.
    const key = createHash('sha256').update(JSON.stringify([destination, secrets])).digest('hex');
    const backend = destination.maxConnections > 0 ? this.#shared.lease(name, key, open) : open();
    return { backend, passphrase: (await read('passphrase')) ?? null, location };
  }
}
