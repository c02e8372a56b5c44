import type { AppInfo, KeychainStatus, ServiceHandlers } from '../contract/operations';
import type { SecretStore } from '../secrets/keychain';
import type { SettingsStore } from '../settings/settings-store';
import type { EventBus } from './event-bus';
import { APP_PRODUCT_NAME, APP_VERSION } from '../app-version';

export interface ServiceContext {
  shell: AppInfo['shell'];
  electronVersion: string | null;
  dataDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  events: EventBus;
}

/** The service API's implementation, shared by the Electron shell, the CLI and the server. */
export function createService(ctx: ServiceContext): ServiceHandlers {
  let lastKeychainStatus: KeychainStatus | null = null;

  return {
    async 'app:info'() {
      return {
        name: APP_PRODUCT_NAME,
        version: APP_VERSION,
        shell: ctx.shell,
        platform: process.platform,
        arch: process.arch,
        nodeVersion: process.versions.node,
        electronVersion: ctx.electronVersion,
        dataDir: ctx.dataDir,
      };
    },

    async 'keychain:status'() {
      const status = await ctx.secrets.status();
      const changed =
        lastKeychainStatus !== null &&
        (lastKeychainStatus.available !== status.available || lastKeychainStatus.problem !== status.problem);
      lastKeychainStatus = status;
      if (changed) ctx.events.emit({ name: 'keychain:changed', payload: status });
      return status;
    },
  };
}
