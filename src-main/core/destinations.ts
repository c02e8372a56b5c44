import { createHash } from 'node:crypto';
import { checkRevision, checkSaveMode, replaceSecrets, revisionOf, type SaveMode } from './settings/save-mode';
import { ApiError } from './contract/errors';
import type { Backend } from './backends/backend';
import { parseStorageLocation, sameLogin, type StorageLocation } from './backends/location';
import { openBackend } from './backends/open-backend';
import { SharedBackends } from './backends/shared-backend';
import { Repository } from './engine/repository';
import { localContext } from './local-context';
import type { SecretStore } from './secrets/keychain';
import { destinationSchema, type Destination, type SettingsStore } from './settings/settings-store';

export type DestinationSecret = 'password' | 'passphrase' | 'keyPassphrase';
/** The secrets of a destination's login (the passphrase is the repository's, whatever the login). */
const LOGIN_SECRETS = ['password', 'keyPassphrase'] as const;

export function secretAccount(name: string, secret: DestinationSecret): string {
  return `destination:${name}:${secret}`;
}

export interface DestinationSecrets {
  password?: string;
  passphrase?: string;
  keyPassphrase?: string;
}

/** A repository this process was given (a location and its passphrase) that is not saved. */
export interface UnsavedRepository {
  /** A new backend for it, each time it is opened. */
  open: () => Backend;
  passphrase: string;
}

/**
 * Saved destinations: settings in settings.json, secrets in the keychain. If the keychain
 * cannot store a secret, saving fails and says so; nothing falls back to plain text. A
 * process may also lend the operations repositories it was given but does not save.
 */
export class Destinations {
  readonly #shared = new SharedBackends();
  readonly #unsaved = new Map<string, UnsavedRepository>();

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

  /**
   * Lets the operations use a repository that is not saved, by the name returned, wherever they
   * take a destination's name. It lasts as long as this process; the name holds a slash, which
   * no saved destination's may.
   */
  useUnsaved(repository: UnsavedRepository): string {
    const name = `unsaved/${this.#unsaved.size + 1}`;
    this.#unsaved.set(name, repository);
    return name;
  }

  /** Whether the operations can open `name`: a saved destination or an unsaved repository of this process. */
  knows(name: string): boolean {
    return this.#unsaved.has(name) || this.find(name) !== undefined;
  }

  async has(name: string, secret: DestinationSecret): Promise<boolean> {
    return this.secrets.has(secretAccount(name, secret));
  }

  /** Saves a destination; modes, revisions and secrets as for sites (see SiteStore.save). */
  async save(input: Partial<Destination> & { name: string; url: string }, secrets: DestinationSecrets, mode: SaveMode = 'upsert', basedOn?: string): Promise<Destination> {
    const destination = checkedDestination(input);
    if (mode === 'add' && this.find(destination.name)) checkSaveMode(mode, true, 'destination', destination.name);
    await this.settings.update(async (draft) => {
      const current = draft.destinations.find((d) => d.name === destination.name);
      checkSaveMode(mode, current !== undefined, 'destination', destination.name);
      if (current) checkRevision(current, basedOn, 'destination', destination.name);
      // A login password goes to the server it names; an S3 secret key only signs requests to its
      // service. A switch between the two kinds is another login as well.
      const otherLogin = current !== undefined && (Boolean(current.s3) !== Boolean(destination.s3) || (!current.s3 && !destination.s3 && !sameLogin(current.url, destination.url)));
      await replaceSecrets(this.secrets, (secret) => secretAccount(destination.name, secret), LOGIN_SECRETS, secrets, !current || otherLogin);
      if (secrets.passphrase !== undefined) await this.secrets.write(secretAccount(destination.name, 'passphrase'), secrets.passphrase);
      else if (!current) await this.secrets.remove(secretAccount(destination.name, 'passphrase'));
      draft.destinations = [...draft.destinations.filter((d) => d.name !== destination.name), destination];
    });
    return destination;
  }

  /** The revision of a saved destination, for an edit to name. */
  revision(name: string): string {
    const destination = this.find(name);
    if (!destination) throw new ApiError('NOT_FOUND', `No destination named ${name}.`, { hint: 'check-destination-name' });
    return revisionOf(destination);
  }

  /** Forgets a destination and its secrets; `inUse` (under the lock) names the sites that still back up to it. */
  async remove(name: string, inUse: (draft: { sites: ReadonlyArray<{ name: string; destination: string | null; copyTo: string | null }> }) => void = () => {}): Promise<void> {
    if (!this.find(name)) throw new ApiError('NOT_FOUND', `No destination named ${name}.`, { hint: 'check-destination-name' });
    await this.settings.update(async (draft) => {
      if (!draft.destinations.some((d) => d.name === name)) throw new ApiError('NOT_FOUND', `No destination named ${name}.`, { hint: 'check-destination-name' });
      inUse(draft);
      for (const secret of ['password', 'passphrase', 'keyPassphrase'] as const) await this.secrets.remove(secretAccount(name, secret));
      draft.destinations = draft.destinations.filter((d) => d.name !== name);
    });
  }

  /** The destination's repository, opened with the passphrase from the keychain; the caller closes its backend. */
  async openRepository(name: string, options: { loadIndex?: boolean } = {}): Promise<Repository> {
    const unsaved = this.#unsaved.get(name);
    const { backend, passphrase } = unsaved ? { backend: unsaved.open(), passphrase: unsaved.passphrase } : await this.open(name);
    if (!passphrase) {
      await backend.close();
      throw new ApiError('AUTH_FAILED', `No repository passphrase is stored for the destination ${name}.`);
    }
    try {
      return await Repository.open(backend, passphrase, { loadIndex: options.loadIndex ?? true, local: await localContext(this.settings) });
    } catch (error) {
      await backend.close();
      throw error;
    }
  }

  /** Runs `work` with the destination's repository open, and closes it after. */
  async withRepository<T>(name: string, work: (repo: Repository) => Promise<T>, options: { loadIndex?: boolean } = {}): Promise<T> {
    const repo = await this.openRepository(name, options);
    try {
      return await work(repo);
    } finally {
      await repo.backend.close();
    }
  }

  /** A backend for destination settings not saved yet: its repository is made before anything is saved. */
  openUnsaved(input: Partial<Destination> & { name: string; url: string }, secrets: DestinationSecrets): Backend {
    const destination = checkedDestination(input);
    const connection = {
      password: secrets.password,
      keyPassphrase: secrets.keyPassphrase,
      identityFile: destination.identityFile ?? undefined,
      hostKey: destination.hostKey ?? undefined,
      caFile: destination.caFile ?? undefined,
      tlsFingerprint: destination.tlsFingerprint ?? undefined,
    };
    const settings = { timeoutSeconds: destination.timeoutSeconds, maxRetries: destination.maxRetries, maxConnections: destination.maxConnections, passive: destination.passive };
    return openBackend(locationOf(destination), connection, settings);
  }

  /** The destination's backend, with its login secrets read from the keychain. */
  async open(name: string): Promise<{ backend: Backend; passphrase: string | null; location: StorageLocation }> {
    const destination = this.find(name);
    if (!destination) throw new ApiError('NOT_FOUND', `No destination named ${name}.`);
    const location = locationOf(destination);
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
    const key = createHash('sha256')
      .update(JSON.stringify([destination, secrets]))
      .digest('hex');
    const backend = destination.maxConnections > 0 ? this.#shared.lease(name, key, open) : open();
    return { backend, passphrase: (await read('passphrase')) ?? null, location };
  }
}

/** Where a saved destination's repository lives (an `s3://` one with its service settings). */
export function locationOf(destination: Destination): StorageLocation {
  return parseStorageLocation(destination.url, destination.s3 ?? undefined);
}

/** A destination's settings as they will be saved, or the reason they cannot be. */
function checkedDestination(input: Partial<Destination> & { name: string; url: string }): Destination {
  const destination = withCheckedLocation(destinationSchema.parse(input));
  if (/[/\\\\]/.test(destination.name) || destination.name.trim() !== destination.name) {
    throw new ApiError('BAD_REQUEST', 'A destination name cannot contain slashes or start or end with a space.');
  }
  return destination;
}

/** The destination with its location checked, and its S3 settings as they will be used (endpoint normalised, default region). */
function withCheckedLocation(destination: Destination): Destination {
  const location = locationOf(destination);
  if (location.kind !== 's3') {
    if (destination.s3) throw new ApiError('BAD_REQUEST', `S3 settings belong to an s3:// destination, not to ${destination.url}.`);
    return destination;
  }
  const { endpoint, region, pathStyle, accessKeyId, storageClass } = location;
  return { ...destination, url: `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`, s3: { endpoint, region, pathStyle, accessKeyId, storageClass } };
}
