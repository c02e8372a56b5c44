import { ApiError } from '../../contract/errors';
import { openSite, type SiteSecrets } from '../../sites/open-site';
import { checkSite } from '../../sites/site-check';
import { sameLogin } from '../../backends/location';
import { checkSaveMode } from '../../settings/save-mode';
import { databaseSettingsSeen } from '../../sites/wp-config';
import type { HandlersOf, ServiceContext } from '../context';
import type { Site } from '../../settings/settings-store';
import { emptySiteRecord } from '../../automation/catalog';
import { refreshSiteSummary } from '../../automation/site-summary';
import { needsSummary, siteInfo } from '../site-info';
import { importSites } from './site-import';

/** Saved sites: list, save, remove, and test the connection. */
export function siteHandlers(ctx: ServiceContext): HandlersOf<'site'> {
  // Sites whose summary was filled (or tried) in this process: each repository is read once, not at every visit.
  const filling = new Set<string>();
  let queue: Promise<void> = Promise.resolve();

  /** Fills, one at a time in the background, the summaries a catalog from before lacks; the screens hear of it as a catalog change. */
  function fillSummaries(names: string[]): void {
    for (const name of names) {
      if (filling.has(name)) continue;
      filling.add(name);
      queue = queue.then(async () => {
        const site = ctx.sites.find(name);
        if (!site?.destination) return;
        const destination = site.destination;
        try {
          await ctx.destinations.withRepository(destination, (repo) => refreshSiteSummary(ctx.catalog, repo, name, destination), { loadIndex: false });
          ctx.events.emit({ name: 'catalog:changed', payload: {} });
        } catch {
          // Unreachable now: the card says "no summary yet", and the next backup writes one.
        }
      });
    }
  }

  return {
    async 'site:list'() {
      const sites = ctx.sites.list();
      const catalog = await ctx.catalog.read();
      const recordOf = (name: string) => catalog.sites[name] ?? emptySiteRecord();
      const missing = sites.filter((s) => needsSummary(s, recordOf(s.name))).map((s) => s.name);
      // The app and the server fill them in the background; a command prints and ends without opening repositories.
      if (missing.length > 0 && ctx.shell !== 'cli') fillSummaries(missing);
      // One read of the catalog and one keychain lookup for all of them.
      const has = await ctx.sites.presence();
      return { sites: await Promise.all(sites.map((s) => siteInfo(ctx, s, { record: recordOf(s.name), has }))) };
    },

    async 'site:get'({ name }) {
      const site = ctx.sites.get(name);
      return {
        settings: { ...site },
        revision: ctx.sites.revision(name),
        hasPassword: await ctx.sites.has(name, 'password'),
        hasKeyPassphrase: await ctx.sites.has(name, 'keyPassphrase'),
        hasDatabasePassword: await ctx.sites.has(name, 'dbPassword'),
      };
    },

    async 'site:save'({ mode, basedOn, tags, password, keyPassphrase, dbPassword, database, retention, excludes, wordpressExcludes, rereadEvery, ...fields }) {
      for (const name of [fields.destination, fields.copyTo]) if (name && !ctx.destinations.find(name)) throw new ApiError('NOT_FOUND', `No destination named ${name}.`, { hint: 'check-destination-name' });
      if (fields.copyTo && fields.copyTo === fields.destination) throw new ApiError('BAD_REQUEST', 'The second destination must be another one than the first: two copies in one place are one backup.');
      const existing = ctx.sites.find(fields.name);
      const saved = await ctx.sites.save(
        {
          ...existing,
          ...fields,
          tags: tags ?? existing?.tags ?? [],
          retention: retention ?? existing?.retention ?? ctx.settings.data.preferences.defaultRetention,
          database: typeof database === 'string' ? { mode: database, host: null, port: null, socket: null, name: null, user: null } : { mode: 'manual', ...database },
          excludes: excludes ?? existing?.excludes ?? [],
          wordpressExcludes: wordpressExcludes ?? existing?.wordpressExcludes ?? true,
          rereadEvery: rereadEvery ?? existing?.rereadEvery ?? 0,
        },
        { password, keyPassphrase, dbPassword },
        mode,
        basedOn,
      );
      // A new database setting or password is the user's own choice: the database found next is the site's.
      // Any other change (a schedule, an exclusion) keeps what was recorded, and its warning.
      if (!existing || dbPassword !== undefined || JSON.stringify(existing.database) !== JSON.stringify(saved.database)) await ctx.catalog.forgetDatabaseSettings(saved.name);
      return { site: await siteInfo(ctx, saved) };
    },

    async 'site:acceptDatabaseSettings'({ name }) {
      const site = ctx.sites.get(name);
      await ctx.catalog.acceptDatabaseSettings(name, new Date().toISOString());
      return { site: await siteInfo(ctx, site) };
    },

    async 'site:remove'({ name }) {
      await ctx.sites.remove(name);
      return { removed: true };
    },

    async 'site:check'({ name, mode, password, keyPassphrase, dbPassword, database, ...fields }) {
      const saved = name ? ctx.sites.find(name) : undefined;
      // The same refusal as saving would give, before anything else is checked.
      if (name) checkSaveMode(mode, saved !== undefined, 'site', name);
      // Editing: the saved secrets serve the check only for the same login (they never go to another server or user).
      const asked: Site['database'] = typeof database === 'string' ? { mode: database, host: null, port: null, socket: null, name: null, user: null } : { mode: 'manual', ...database };
      const stored: SiteSecrets = saved && sameLogin(saved.url, fields.url) ? await ctx.sites.secretsOf(saved.name) : {};
      // The saved database password goes only to the database it was saved for, never to a host typed in the check.
      const { dbPassword: savedDbPassword, dbPasswordFor, ...loginSecrets } = stored;
      const sameDatabase = saved !== undefined && (['mode', 'host', 'port', 'socket', 'name', 'user'] as const).every((key) => saved.database[key] === asked[key]);
      const secrets: SiteSecrets = {
        ...loginSecrets,
        ...(sameDatabase && savedDbPassword !== undefined ? { dbPassword: savedDbPassword, dbPasswordFor } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
        ...(dbPassword !== undefined ? { dbPassword, dbPasswordFor: null } : {}),
      };
      const check = await checkSite({ ...fields, database: asked }, secrets);
      const db = check.database;
      return {
        ...check,
        database: { state: db.state, name: 'name' in db ? db.name : null, user: 'user' in db ? db.user : null, host: 'host' in db ? db.host : null, message: 'message' in db ? db.message : null },
      };
    },

    'site:import': (input) => importSites(ctx, input),

    async 'site:test'({ name }) {
      const site = ctx.sites.get(name);
      const connection = await openSite(site, await ctx.sites.secretsOf(name));
      try {
        const db = connection.database;
        if (connection.wordpress && site.database.mode === 'auto') {
          await ctx.catalog.noteDatabaseSettings(name, databaseSettingsSeen(connection.wordpress), new Date().toISOString());
        }
        const reach = db ? (connection.testDatabase ? await connection.testDatabase() : { ok: false, message: 'the database needs SSH with a shell (this site allows file transfer only)' }) : null;
        return {
          shell: connection.shell,
          wordpress: connection.wordpress !== false,
          tablePrefix: connection.wordpress ? connection.wordpress.tablePrefix : null,
          database: db && reach ? { name: db.name, user: db.user, host: db.host, reachable: reach.ok, message: reach.message } : null,
          excludes: connection.excludes,
        };
      } finally {
        await connection.close();
      }
    },
  };
}
