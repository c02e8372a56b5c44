import { ApiError } from '../../contract/errors';
import { openSite } from '../../sites/open-site';
import { databaseSettingsSeen } from '../../sites/wp-config';
import type { HandlersOf, ServiceContext } from '../context';
import { siteInfo } from '../site-info';
import { importSites } from './site-import';

/** Saved sites: list, save, remove, and test the connection. */
export function siteHandlers(ctx: ServiceContext): HandlersOf<'site'> {
  return {
    async 'site:list'() {
      return { sites: await Promise.all(ctx.sites.list().map((s) => siteInfo(ctx, s))) };
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
