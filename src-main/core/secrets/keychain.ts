import { AsyncEntry, findCredentialsAsync } from '@napi-rs/keyring';
import { ApiError } from '../contract/errors';
import type { KeychainStatus } from '../contract/operations';

/**
 * The OS keychain: macOS Keychain, Windows Credential Manager, or a Secret Service
 * (GNOME Keyring, KWallet) on Linux. On Linux the store is pinned to Secret Service: the
 * library's silent fallback, the kernel keyring, forgets everything at reboot, so a
 * user would lose their passwords without being told.
 *
 * Secrets can be written, tested for and deleted through the service API, never read
 * back by a renderer; `read` is for the main process alone (connecting to a server).
 */
export interface SecretStore {
  status(): Promise<KeychainStatus>;
  write(account: string, secret: string): Promise<void>;
  read(account: string): Promise<string | null>;
  has(account: string): Promise<boolean>;
  remove(account: string): Promise<boolean>;
  /** The accounts that hold a secret, in one lookup (a list of 50 sites asks once, not 150 times). */
  accounts?(): Promise<ReadonlySet<string>>;
}

const PROBE_ACCOUNT = 'sitevault-keychain-probe';

export function keychainBackendName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service';
}

function unavailableProblem(platform: NodeJS.Platform, reason: string): string {
  const fix =
    platform === 'linux' ? 'SiteVault needs a running, unlocked Secret Service (GNOME Keyring or KWallet) on the session bus.' : 'Check that the system keychain is unlocked and that SiteVault may use it.';
  return `${fix} The keychain said: ${reason}`;
}

/** The library's messages name the store and the failure; keep them short and single-line. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

export class OsKeychain implements SecretStore {
  readonly #service: string;
  readonly #platform: NodeJS.Platform;

  /** `service` separates profiles: each SITEVAULT_HOME has its own secrets. */
  constructor(service: string, platform: NodeJS.Platform = process.platform) {
    this.#service = service;
    this.#platform = platform;
  }

  #entry(account: string): AsyncEntry {
    return new AsyncEntry(this.#service, account, { linux: { store: 'secret-service' } });
  }

  async #guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new ApiError('KEYCHAIN_UNAVAILABLE', unavailableProblem(this.#platform, describe(error)), { cause: error });
    }
  }

  async status(): Promise<KeychainStatus> {
    const backend = keychainBackendName(this.#platform);
    try {
      const entry = this.#entry(PROBE_ACCOUNT);
      const token = `probe-${Date.now()}`;
      await entry.setPassword(token);
      const readBack = await entry.getPassword();
      await entry.deletePassword();
      if (readBack !== token) {
        return { available: false, backend, problem: 'The keychain accepted a test entry but returned something else.' };
      }
      return { available: true, backend, problem: null };
    } catch (error) {
      return { available: false, backend, problem: unavailableProblem(this.#platform, describe(error)) };
    }
  }

  write(account: string, secret: string): Promise<void> {
    return this.#guard(() => this.#entry(account).setPassword(secret));
  }

  read(account: string): Promise<string | null> {
    return this.#guard(() => this.#entry(account).getPassword());
  }

  async has(account: string): Promise<boolean> {
    return (await this.read(account)) !== null;
  }

  accounts(): Promise<ReadonlySet<string>> {
    // The secrets themselves are dropped at once: only the account names are kept.
    return this.#guard(async () => new Set((await findCredentialsAsync(this.#service)).map((c) => c.account)));
  }

  remove(account: string): Promise<boolean> {
    return this.#guard(() => this.#entry(account).deletePassword());
  }
}

/** The keychain service name for a data folder: plain for the default profile. */
export function keychainServiceName(dataDir: string, isDefaultProfile: boolean): string {
  return isDefaultProfile ? 'SiteVault' : `SiteVault (${dataDir})`;
}
