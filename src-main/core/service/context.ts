import type { Catalog } from '../automation/catalog';
import type { OperationName } from '../contract/names';
import type { AppInfo, ServiceHandlers } from '../contract/operations';
import type { Destinations } from '../destinations';
import type { JobRunner } from '../jobs/job-runner';
import type { SecretStore } from '../secrets/keychain';
import type { SettingsStore } from '../settings/settings-store';
import type { SiteStore } from '../sites/site-store';
import type { EventBus } from './event-bus';
import type { PendingDownload } from './handlers/download';

/** The long-lived parts every handler works with: one of each per process. */
export interface ServiceContext {
  shell: AppInfo['shell'];
  electronVersion: string | null;
  dataDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  events: EventBus;
  destinations: Destinations;
  sites: SiteStore;
  catalog: Catalog;
  jobs: JobRunner;
  /** Desktop only: asks where to save a download (a native dialog in main); null when cancelled. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /** Desktop only: asks for a folder (a native dialog in main); null when cancelled. */
  chooseFolder?: () => Promise<string | null>;
  /** Desktop only: prints the window's page (a report) to a PDF file chosen in a save dialog in main; null when cancelled. */
  savePdf?: (suggestedName: string) => Promise<string | null>;
  /** Whether this process runs the scheduler (the "next run" shown is only true then). */
  schedulerActive?: boolean;
  /** Headless only: downloads waiting for the browser to follow their one-time link. */
  pendingDownloads: Map<string, PendingDownload>;
}

/** The handlers of one contract domain (`site` for `site:list`, `site:save`, …). */
export type HandlersOf<D extends string> = Pick<ServiceHandlers, Extract<OperationName, `${D}:${string}`>>;
