import { ApiError } from '../contract/errors';
import { parseLocation, sameLogin } from '../backends/location';
import type { SecretStore } from '../secrets/keychain';
import type { SiteSecrets } from './open-site';
import { checkRevision, checkSaveMode, replaceSecrets, revisionOf, type SaveMode } from '../settings/save-mode';
import { siteSchema, type Site, type SettingsStore } from '../settings/settings-store';

export type SiteSecret = 'password' | 'keyPassphrase' | 'dbPassword';
const SITE_SECRETS: readonly SiteSecret[] = ['password', 'keyPassphrase', 'dbPassword'];

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

  /**
   * Whether each site's secrets are stored, for a list of sites: one keychain lookup for all
   * (each lookup is a round trip to the keychain). Falls back to one lookup per secret.
   */
  async presence(): Promise<(name: string, secret: SiteSecret) => Promise<boolean>> {
    try {
      const accounts = await this.secrets.accounts?.();
      if (accounts) return async (name, secret) => accounts.has(siteSecretAccount(name, secret));
    } catch {
      // A keychain that cannot list answers each question on its own.
    }
    return (name, secret) => this.has(name, secret);
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
   * Saves a site, under the settings lock from the check to the write. `add` refuses a name
   * already saved and `edit` one that is not; `basedOn` (the revision the edit started from)
   * refuses an edit of settings changed since. Secrets not given stay only on an edit of the
   * same login: an add drops any an earlier site of that name left, and an address that names
   * another login (protocol, host, port, user) drops the old login's, so they never reach it.
   */
  async save(input: Partial<Site> & { name: string; url: string }, secrets: Partial<Record<SiteSecret, string>>, mode: SaveMode = 'upsert', basedOn?: string): Promise<Site> {
    const site = siteSchema.parse(input);
    const location = parseLocation(site.url);
    if (location.kind === 'local') throw new ApiError('BAD_REQUEST', 'A site is reached over sftp://, ftp:// or ftps://.', { hint: 'local-folder-source' });
    if (/[/\\]/.test(site.name)) throw new ApiError('BAD_REQUEST', 'A site name cannot contain slashes.');
    // Refused before the lock too, so that a plain mistake waits for no other process.
    if (mode === 'add' && this.find(site.name)) checkSaveMode(mode, true, 'site', site.name);
    await this.settings.update(async (draft) => {
      const current = draft.sites.find((s) => s.name === site.name);
      checkSaveMode(mode, current !== undefined, 'site', site.name);
      if (!current) refuseCaseTwin(draft.sites, site.name);
      if (current) checkRevision(current, basedOn, 'site', site.name);
      const otherLogin = current !== undefined && !sameLogin(current.url, site.url);
      await replaceSecrets(this.secrets, (secret) => siteSecretAccount(site.name, secret), SITE_SECRETS, secrets, !current || otherLogin);
      draft.sites = [...draft.sites.filter((s) => s.name !== site.name), site];
    });
    return site;
  }

  /** The revision of a saved site, for an edit to name (see `save`). */
  revision(name: string): string {
    return revisionOf(this.get(name));
  }

  async remove(name: string): Promise<void> {
    this.get(name);
    await this.settings.update(async (draft) => {
      if (!draft.sites.some((s) => s.name === name)) throw new ApiError('NOT_FOUND', `No site named ${name}.`, { hint: 'check-site-name' });
      // The secrets first: a keychain that fails leaves the site saved, never secrets without a site.
      for (const secret of SITE_SECRETS) await this.secrets.remove(siteSecretAccount(name, secret));
      draft.sites = draft.sites.filter((s) => s.name !== name);
    });
  }
}

/** A name compared as keychains compare account names (Windows Credential Manager ignores case). */
export function foldedName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Two sites whose names differ only in case would share one keychain entry on Windows: the second is refused. */
function refuseCaseTwin(sites: ReadonlyArray<{ name: string }>, name: string): void {
  const twin = sites.find((s) => s.name !== name && foldedName(s.name) === foldedName(name));
  if (twin)
    throw new ApiError('ALREADY_EXISTS', `A site named ${twin.name} is already saved; ${name} differs from it only in case, and the keychain would mix their passwords. Choose another name.`, {
      hint: 'edit-or-rename-site',
    });
}
