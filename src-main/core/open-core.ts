import type { AppInfo, Job, ServiceHandlers } from './contract/operations';
import { Destinations } from './destinations';
import { Catalog } from './automation/catalog';
import { JobRunner } from './jobs/job-runner';
import { resolveDataDir } from './paths';
import { keychainServiceName, OsKeychain, type SecretStore } from './secrets/keychain';
import { createService } from './service/create-service';
import type { PendingDownload } from './service/handlers/download';
import { SiteStore } from './sites/site-store';
import { EventBus } from './service/event-bus';
import { SettingsStore } from './settings/settings-store';

export interface Core {
  dataDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  events: EventBus;
  destinations: Destinations;
  sites: SiteStore;
  catalog: Catalog;
  jobs: JobRunner;
  handlers: ServiceHandlers;
  /** Downloads waiting for the browser to follow their one-time link (headless). */
  pendingDownloads: Map<string, PendingDownload>;
  /** Jobs that were under way when the app last stopped (now shown as interrupted, to resume). */
  interruptedAtStart: Job[];
}

export interface OpenCoreOptions {
  shell: AppInfo['shell'];
  electronVersion?: string | null;
  env?: NodeJS.ProcessEnv;
  /** For tests: a different secret store. */
  secrets?: SecretStore;
  /** Desktop: where to save a download, asked with a native dialog in main. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /** This process runs the app's scheduler (desktop, serve). */
  schedulerActive?: boolean;
  /** The app (desktop, serve): jobs are kept in the catalog and interrupted ones come back after a restart. */
  keepJobHistory?: boolean;
  /** Desktop: a folder to restore into, asked with a native dialog in main. */
  chooseFolder?: () => Promise<string | null>;
  /** Desktop: prints the window's page to a PDF file chosen in a native dialog in main. */
  savePdf?: (suggestedName: string) => Promise<string | null>;
  /** The app (desktop, serve): notice settings changed by other processes and tell the screens. */
  watchSettings?: boolean;
}

/** Opens the profile (settings, keychain) and builds the service every adapter serves. */
export async function openCore(options: OpenCoreOptions): Promise<Core> {
  const env = options.env ?? process.env;
  const dataDir = resolveDataDir(env);
  const settings = await SettingsStore.open(dataDir);
  const isDefaultProfile = !env['SITEVAULT_HOME'];
  const secrets = options.secrets ?? new OsKeychain(keychainServiceName(dataDir, isDefaultProfile));
  const events = new EventBus();
  settings.onOutsideChange((parts) => events.emit({ name: 'settings:changed', payload: { parts } }));
  if (options.watchSettings) settings.watch();
  const destinations = new Destinations(settings, secrets);
  const catalog = new Catalog(dataDir);
  const sites = new SiteStore(settings, secrets, async (name) => (await catalog.lastRuns(name)).databaseSettings);
  if (options.watchSettings) catalog.watch(() => events.emit({ name: 'catalog:changed', payload: {} }));
  const jobs = new JobRunner(events, {
    maxConcurrent: () => settings.data.preferences.maxConcurrentJobs,
    // Only the app keeps the job history: a CLI command must not mark the app's running jobs as interrupted.
    history: options.keepJobHistory ? { loadJobs: async () => (await catalog.read()).jobs, recordJob: (job) => catalog.recordJob(job) } : undefined,
  });
  const interruptedAtStart = await jobs.loadHistory();
  const pendingDownloads = new Map<string, PendingDownload>();
  const handlers = createService({
    chooseSavePath: options.chooseSavePath,
    chooseFolder: options.chooseFolder,
    savePdf: options.savePdf,
    schedulerActive: options.schedulerActive ?? false,
    pendingDownloads,
    shell: options.shell,
    electronVersion: options.electronVersion ?? null,
    dataDir,
    settings,
    secrets,
    events,
    destinations,
    sites,
    catalog,
    jobs,
  });
  return { dataDir, settings, secrets, events, destinations, sites, catalog, jobs, handlers, pendingDownloads, interruptedAtStart };
}
