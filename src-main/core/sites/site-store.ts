import { ApiError } from '../contract/errors';
import { parseLocation } from '../backends/location';
import type { SecretStore } from '../secrets/keychain';
import type { SiteSecrets } from './open-site';
import { checkSaveMode, type SaveMode } from '../settings/save-mode';
import { siteSchema, type Site, type SettingsStore } from '../settings/settings-store';

export type SiteSecret = 'password' | 'keyPassphrase' | 'dbPassword';

export function siteSecretAccount(name: string, secret: SiteSecret): string {
  return `site:${name}:${secret}`;
}

/** Saved sites: profiles in settings.json, secrets in the keychain (never in the file). */
export class SiteStore {
  constructor(
    private readonly settings: SettingsStore,
    private readonly secrets: SecretStore,
    /** The database recorded for a site (the catalog's), which its saved database password is bound to. */
    private readonly recordedDatabase: (name: string) => Promise<{ host: string; name: string } | null> = async () => null,
  ) {}

  list(): Site[] {
    return [...this.settings.data.sites];
  }

  find(name: string): Site | undefined {
    return this.settings.data.sites.find((s) => s.name === name);
  }

  get(name: string): Site {
    const site = this.find(name);
    if (!site) throw new ApiError('NOT_FOUND', `No site named ${name}.`, { hint: 'check-site-name' });
    return site;
  }

  has(name: string, secret: SiteSecret): Promise<boolean> {
    return this.secrets.has(siteSecretAccount(name, secret));
  }

  async secret(name: string, secret: SiteSecret): Promise<string | undefined> {
    return (await this.secrets.read(siteSecretAccount(name, secret))) ?? undefined;
  }

  /** Every login secret of a site, read from the keychain to open it, and the database its database password is for. */
  async secretsOf(name: string): Promise<SiteSecrets> {
    const dbPassword = await this.secret(name, 'dbPassword');
    return {
      password: await this.secret(name, 'password'),
      keyPassphrase: await this.secret(name, 'keyPassphrase'),
      dbPassword,
      dbPasswordFor: dbPassword === undefined ? null : await this.recordedDatabase(name),
    };
  }

  /**
   * Saves a site. `add` refuses a name already saved and `edit` one that is not (both checked
   * under the settings lock, so two processes cannot both add one name); `upsert` is for
   * internal updates of a site known to exist.
   */
  async save(input: Partial<Site> & { name: string; url: string }, secrets: Partial<Record<SiteSecret, string>>, mode: SaveMode = 'upsert'): Promise<Site> {
    const site = siteSchema.parse(input);
    const location = parseLocation(site.url);
    if (location.kind === 'local') throw new ApiError('BAD_REQUEST', 'A site is reached over sftp://, ftp:// or ftps://.', { hint: 'local-folder-source' });
    if (/[/\\]/.test(site.name)) throw new ApiError('BAD_REQUEST', 'A site name cannot contain slashes.');
    const writeSecrets = async () => {
      for (const [key, value] of Object.entries(secrets) as Array<[SiteSecret, string | undefined]>) {
        if (value !== undefined) await this.secrets.write(siteSecretAccount(site.name, key), value);
      }
    };
    const place = (draft: { sites: Site[] }) => {
      checkSaveMode(
        mode,
        draft.sites.some((s) => s.name === site.name),
        'site',
        site.name,
      );
      draft.sites = [...draft.sites.filter((s) => s.name !== site.name), site];
    };
    if (mode === 'add') {
      // The name first, then its secrets: a refused name never touches the secrets of the site that has it.
      if (this.find(site.name)) checkSaveMode(mode, true, 'site', site.name);
      await this.settings.update(place);
      try {
        await writeSecrets();
      } catch (error) {
        await this.settings.update((draft) => {
          draft.sites = draft.sites.filter((s) => s.name !== site.name);
        });
        throw error;
      }
    } else {
      if (mode === 'edit') this.get(site.name);
      await writeSecrets();
      await this.settings.update(place);
    }
    return site;
  }

  async remove(name: string): Promise<void> {
    this.get(name);
    await this.settings.update((draft) => {
      draft.sites = draft.sites.filter((s) => s.name !== name);
    });
    for (const secret of ['password', 'keyPassphrase', 'dbPassword'] as const) await this.secrets.remove(siteSecretAccount(name, secret));
  }
}
