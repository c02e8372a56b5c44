import { APP_PRODUCT_NAME, APP_VERSION } from '../../app-version';
import type { KeychainStatus } from '../../contract/operations';
import type { HandlersOf, ServiceContext } from '../context';

/** What the app is and whether the keychain works. */
export function appHandlers(ctx: ServiceContext): HandlersOf<'app' | 'keychain'> {
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
      const changed = lastKeychainStatus !== null && (lastKeychainStatus.available !== status.available || lastKeychainStatus.problem !== status.problem);
      lastKeychainStatus = status;
      if (changed) ctx.events.emit({ name: 'keychain:changed', payload: status });
      return status;
    },
  };
}
