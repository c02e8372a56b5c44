import { dirname, join } from 'node:path';
import type { LocalContext } from './engine/repository';
import type { SettingsStore } from './settings/settings-store';

/**
 * How this installation opens a repository: its id, recorded in the snapshots it writes, and
 * the cache folder beside its settings (one per data folder, shared by the app and the CLI).
 */
export async function localContext(settings: SettingsStore): Promise<LocalContext> {
  return { installation: await settings.installationId(), cacheDir: join(dirname(settings.path), 'cache') };
}
