import type { Backend } from '../../backends/backend';
import { DEFAULT_CONNECTION } from '../../backends/connection';
import { parseStorageLocation } from '../../backends/location';
import { ApiError, toErrorPayload } from '../../contract/errors';
import { Repository } from '../../engine/repository';
import type { Destination } from '../../settings/settings-store';
import type { HandlersOf, ServiceContext } from '../context';

/** What a screen may know about a destination: its settings, and which secrets are stored (never them). */
async function destinationInfo(ctx: ServiceContext, d: Destination) {
  return {
    name: d.name,
    url: d.url,
    s3: d.s3,
    hostKey: d.hostKey,
    tlsFingerprint: d.tlsFingerprint,
    timeoutSeconds: d.timeoutSeconds,
    maxRetries: d.maxRetries,
    maxConnections: d.maxConnections,
    passive: d.passive,
    hasPassword: await ctx.destinations.has(d.name, 'password'),
    hasPassphrase: await ctx.destinations.has(d.name, 'passphrase'),
  };
}

/** Creates a repository where there is none (true), or opens the one there to check the passphrase (false). */
async function prepareRepository(backend: Backend, passphrase: string | null): Promise<boolean> {
  if (!(await Repository.exists(backend))) {
    if (!passphrase) throw new ApiError('BAD_REQUEST', 'A new repository needs a passphrase.');
    await Repository.init(backend, passphrase);
    return true;
  }
  if (passphrase) await Repository.open(backend, passphrase, { loadIndex: false });
  return false;
}

/** Saved destinations: list, save (creating the repository), remove, change the passphrase. */
export function destinationHandlers(ctx: ServiceContext): HandlersOf<'destination'> {
  return {
    async 'destination:list'() {
      return { destinations: await Promise.all(ctx.destinations.list().map((d) => destinationInfo(ctx, d))) };
    },

    async 'destination:get'({ name }) {
      const destination = ctx.destinations.find(name);
      if (!destination) throw new ApiError('NOT_FOUND', `No destination named ${name}.`, { hint: 'check-destination-name' });
      return {
        settings: { ...destination },
        revision: ctx.destinations.revision(name),
        hasPassword: await ctx.destinations.has(name, 'password'),
        hasPassphrase: await ctx.destinations.has(name, 'passphrase'),
        hasKeyPassphrase: await ctx.destinations.has(name, 'keyPassphrase'),
      };
    },

    async 'destination:save'({ mode, basedOn, name, url, password, passphrase, keyPassphrase, create, ...settings }) {
      const existing = ctx.destinations.find(name);
      if (create && !existing && mode === 'add') {
        // A new destination: its repository first, so that a folder that cannot be made fails at once and nothing is saved.
        const backend = ctx.destinations.openUnsaved({ name, url, ...settings }, { password, keyPassphrase });
        let created: boolean;
        try {
          created = await prepareRepository(backend, passphrase ?? null);
        } finally {
          await backend.close();
        }
        await ctx.destinations.save({ name, url, ...settings }, { password, passphrase, keyPassphrase }, mode, basedOn);
        return { created, destination: await destinationInfo(ctx, ctx.destinations.find(name)!) };
      }
      // An edit stores a passphrase only once it opened the repository: a typo must not replace the one that works.
      const checkPassphraseFirst = mode === 'edit' && passphrase !== undefined;
      await ctx.destinations.save({ ...existing, name, url, ...settings }, { password, passphrase: checkPassphraseFirst ? undefined : passphrase, keyPassphrase }, mode, basedOn);
      if (checkPassphraseFirst) {
        const { backend } = await ctx.destinations.open(name);
        try {
          await Repository.open(backend, passphrase, { loadIndex: false }).catch((error: unknown) => {
            const payload = toErrorPayload(error);
            throw new ApiError(payload.code, `The passphrase given did not open the repository of ${name} (${payload.message}); the saved passphrase was kept, and the other changes are saved.`);
          });
        } finally {
          await backend.close();
        }
        await ctx.destinations.save(ctx.destinations.find(name)!, { passphrase });
      }
      let created = false;
      const opened = create ? await ctx.destinations.open(name) : null;
      if (opened)
        try {
          created = await prepareRepository(opened.backend, opened.passphrase);
        } finally {
          await opened.backend.close();
        }
      return { created, destination: await destinationInfo(ctx, ctx.destinations.find(name)!) };
    },

    async 'destination:createRepository'({ name }) {
      const { backend, passphrase } = await ctx.destinations.open(name);
      try {
        if (!passphrase) throw new ApiError('AUTH_FAILED', `No repository passphrase is stored for the destination ${name}.`);
        return { created: await prepareRepository(backend, passphrase) };
      } finally {
        await backend.close();
      }
    },

    async 'destination:remove'({ name }) {
      // Checked under the settings lock, so that no site saved meanwhile is left pointing at nothing.
      await ctx.destinations.remove(name, ({ sites }) => {
        const users = sites.filter((site) => site.destination === name || site.copyTo === name).map((site) => site.name);
        if (users.length > 0) throw new ApiError('BAD_REQUEST', `${users.join(', ')} ${users.length === 1 ? 'backs' : 'back'} up to ${name}; nothing was removed.`, { hint: 'move-sites-first' });
      });
      return { removed: true };
    },

    async 'destination:test'({ url, s3, password, caFile, timeoutSeconds }) {
      const location = parseStorageLocation(url, s3);
      if (location.kind !== 's3') throw new ApiError('BAD_REQUEST', 'Only an s3:// destination is tested with its keys.');
      // One attempt per request and no retries: the user is waiting for an answer.
      const { S3Backend } = await import('../../backends/s3-backend');
      const backend = new S3Backend(location, { password, caFile: caFile ?? undefined }, { ...DEFAULT_CONNECTION, timeoutSeconds }, { requestAttempts: 1 });
      try {
        return { location: backend.properties.location, repository: await Repository.exists(backend) };
      } finally {
        await backend.close();
      }
    },

    async 'destination:changePassphrase'({ name, current, next }) {
      const { backend } = await ctx.destinations.open(name);
      try {
        const repo = await Repository.open(backend, current, { loadIndex: false }).catch((error: unknown) => {
          throw error instanceof ApiError && error.code === 'AUTH_FAILED' ? new ApiError('AUTH_FAILED', 'The current passphrase is not right; nothing was changed.') : error;
        });
        // New key first, then the keychain, then the old key: a failure on the way leaves a working passphrase.
        const keyId = await repo.addKey(next);
        await ctx.destinations.save(ctx.destinations.find(name)!, { passphrase: next });
        await backend.delete(`keys/${repo.keyId}`);
        return { keyId };
      } finally {
        await backend.close();
      }
    },
  };
}
