import { ApiError } from '../contract/errors';
import type { AppInfo, KeychainStatus, ServiceHandlers } from '../contract/operations';
import type { Destinations } from '../destinations';
import { listSnapshots } from '../engine/snapshots';
import type { JobRunner } from '../jobs/job-runner';
import type { SecretStore } from '../secrets/keychain';
import type { SettingsStore } from '../settings/settings-store';
import type { EventBus } from './event-bus';
import { automationHandlers } from './automation-handlers';
import { historyHandlers } from './history-handlers';
import { openDestinationRepository, siteHandlers, type PendingDownload } from './site-handlers';
import { APP_PRODUCT_NAME, APP_VERSION } from '../app-version';

export interface ServiceContext {
  shell: AppInfo['shell'];
  electronVersion: string | null;
  dataDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  events: EventBus;
  destinations: Destinations;
  jobs: JobRunner;
  /** Desktop only: asks where to save a download (a native dialog in main); null when cancelled. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /** Desktop only: asks for a folder (a native dialog in main); null when cancelled. */
  chooseFolder?: () => Promise<string | null>;
  /** Whether this process runs the scheduler (the "next run" shown is only true then). */
  schedulerActive?: boolean;
  /** Headless only: downloads waiting for the browser to follow their one-time link. */
  pendingDownloads?: Map<string, PendingDownload>;
}

/** The service API's implementation, shared by the Electron shell, the CLI and the server. */
export function createService(ctx: ServiceContext): ServiceHandlers {
  let lastKeychainStatus: KeychainStatus | null = null;

  return {
    ...siteHandlers(ctx, ctx.pendingDownloads ?? new Map()),
    ...historyHandlers(ctx),
    ...automationHandlers(ctx),
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

    async 'preferences:get'() {
      return { ...ctx.settings.data.preferences };
    },

    async 'preferences:set'(changes) {
      await ctx.settings.update((draft) => {
        draft.preferences = { ...draft.preferences, ...changes };
      });
      return { ...ctx.settings.data.preferences };
    },

    async 'destination:list'() {
      const destinations = await Promise.all(
        ctx.destinations.list().map(async (d) => ({
          name: d.name,
          url: d.url,
          hostKey: d.hostKey,
          tlsFingerprint: d.tlsFingerprint,
          timeoutSeconds: d.timeoutSeconds,
          maxRetries: d.maxRetries,
          maxConnections: d.maxConnections,
          passive: d.passive,
          hasPassword: await ctx.destinations.has(d.name, 'password'),
          hasPassphrase: await ctx.destinations.has(d.name, 'passphrase'),
        })),
      );
      return { destinations };
    },

    async 'repo:snapshots'({ destination, site }) {
      const repo = await openDestinationRepository(ctx, destination, false);
      try {
        const snapshots = (await listSnapshots(repo)).filter((s) => !site || s.site === site);
        return {
          snapshots: snapshots.map((s) => ({
            id: s.id,
            time: s.time,
            site: s.site,
            tags: s.tags,
            kind: s.kind,
            files: s.stats.files,
            bytes: s.stats.bytes,
            bytesAdded: s.stats.bytes_added,
            warnings: s.warnings.length,
          })),
        };
      } finally {
        await repo.backend.close();
      }
    },
  };
}
