import type { KeychainStatus } from '../../src-main/core/contract/operations';
import type { SecretStore } from '../../src-main/core/secrets/keychain';

/** The keychain's contract in a Map; `failWrites` (or `failOn`, one account) makes writes fail as a locked keychain does. */
export class MapKeychain implements SecretStore {
  readonly entries = new Map<string, string>();
  failWrites = false;
  /** An account whose write fails, as a keychain that locks half-way through does. */
  failOn: string | null = null;
  async status(): Promise<KeychainStatus> {
    return { available: true, backend: 'map', problem: null };
  }
  async write(account: string, secret: string): Promise<void> {
    if (this.failWrites || account === this.failOn) throw new Error('the keychain is locked');
    this.entries.set(account, secret);
  }
  async read(account: string): Promise<string | null> {
    return this.entries.get(account) ?? null;
  }
  async has(account: string): Promise<boolean> {
    return this.entries.has(account);
  }
  async remove(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}
