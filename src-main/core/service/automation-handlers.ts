import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { sendEmail } from '../alerts/email-report';
import { EMAIL_PASSWORD_ACCOUNT } from '../alerts/run-report';
import { Catalog } from '../automation/catalog';
import { replicateSite } from '../automation/site-backup-run';
import { testRestore } from '../automation/test-restore';
import { ApiError } from '../contract/errors';
import type { ServiceHandlers } from '../contract/operations';
import { checkRepository } from '../engine/check';
import { listSnapshots, resolveSnapshot } from '../engine/snapshots';
import { DATABASE_DUMP_PATH } from '../engine/backup';
import { openSite } from '../sites/open-site';
import { SiteStore } from '../sites/site-store';
import type { ServiceContext } from './create-service';
import { openDestinationRepository } from './site-handlers';

type AutomationHandlerNames = 'replication:run' | 'snapshot:copies' | 'verify:testRestore' | 'verify:history' | 'email:save' | 'email:test' | 'repo:check' | 'job:list' | 'job:cancel' | 'job:resume';

/** Replication, verification, email reports and the job queue, for the app's screens. */
export function automationHandlers(ctx: ServiceContext): Pick<ServiceHandlers, AutomationHandlerNames> {
  const store = new SiteStore(ctx.settings, ctx.secrets);
  const catalog = new Catalog(ctx.dataDir);

  const startReplication = (name: string, resumedFrom: string | null): string => {
    const site = store.get(name);
    if (!site.destination || !site.copyTo) throw new ApiError('BAD_REQUEST', `${site.name} has no second destination to copy its snapshots to.`);
    const source = site.destination;
    return ctx.jobs.start(
      { kind: 'replicate', title: `Copy ${site.name} to ${site.copyTo}`, site: site.name, priority: 'now', request: { op: 'replication:run', input: { site: site.name } }, resumedFrom },
      async ({ onProgress, setResult }) => {
        const repo = await openDestinationRepository(ctx, source);
        try {
          const report = await replicateSite(repo, { openRepository: (d) => openDestinationRepository(ctx, d), catalog }, site, new Date(), onProgress);
          setResult({ ...report });
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('replication:run', (input, from) => startReplication(String(input['site']), from));

  const startCheck = (destination: string, readDataPercent: number, resumedFrom: string | null): string => {
    if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
    return ctx.jobs.start(
      { kind: 'verify', title: `Check ${destination}${readDataPercent ? ` (read ${readDataPercent}% of the data)` : ''}`, priority: 'now', request: { op: 'repo:check', input: { destination, readDataPercent } }, resumedFrom },
      async ({ onProgress, setResult }) => {
        const repo = await openDestinationRepository(ctx, destination);
        try {
          const report = await checkRepository(repo, { readDataPercent, onProgress });
          const problems = report.damage.map((d) => `${d.kind} ${d.id}: ${d.message}`);
          setResult({ snapshots: report.snapshots, packs: report.packs, packsRead: report.packsRead, problems });
          await catalog.recordVerification({ kind: 'scheduled-check', destination, snapshot: null, time: new Date().toISOString(), ok: problems.length === 0, summary: `${report.snapshots} snapshots, ${report.packsRead} packs read back (${readDataPercent}%)`, problems });
          if (problems.length > 0) throw Object.assign(new Error(`${problems.length} problems found, first: ${problems[0]}`), { code: 'DAMAGE_FOUND' });
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('repo:check', (input, from) => startCheck(String(input['destination']), Number(input['readDataPercent'] ?? 0), from));

  /** With a scratch database set for the snapshot's site, the test restore imports the dump there. */
  const scratchImporter = (siteName: string) => {
    const site = store.find(siteName);
    if (!site?.scratchDatabase) return undefined;
    const scratch = site.scratchDatabase;
    return async (folder: string) => {
      const connection = await openSite(site, await store.secretsOf(site.name));
      try {
        if (!connection.importInto) throw new ApiError('BAD_REQUEST', `${site.name}'s database can only be reached over SSH with a shell; the scratch database cannot be used.`);
        const tables = await connection.importInto(scratch, createReadStream(join(folder, ...DATABASE_DUMP_PATH.split('/'))));
        return { tables: tables.length };
      } finally {
        await connection.close();
      }
    };
  };

  const startTestRestore = (destination: string, snapshotRef: string, resumedFrom: string | null): string => {
    if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`);
    return ctx.jobs.start(
      { kind: 'verify', title: `Test restore from ${destination}`, priority: 'now', request: { op: 'verify:testRestore', input: { destination, snapshot: snapshotRef } }, resumedFrom },
      async ({ signal, onProgress, setResult }) => {
        const repo = await openDestinationRepository(ctx, destination);
        try {
          const snapshot = await resolveSnapshot(repo, snapshotRef);
          const result = await testRestore(repo, snapshot, { signal, onProgress, importDump: scratchImporter(snapshot.site) });
          setResult({ snapshot: snapshot.id, ...result });
          await catalog.recordVerification({
            kind: 'test-restore',
            destination,
            snapshot: snapshot.id,
            time: new Date().toISOString(),
            ok: result.problems.length === 0,
            summary: `${result.files} files (${result.bytes} bytes) restored and compared with the snapshot${result.database ? `; database: ${result.database.message}` : ''}`,
            problems: result.problems,
          });
          if (result.problems.length > 0) throw Object.assign(new Error(`The test restore found ${result.problems.length} problems, first: ${result.problems[0]}`), { code: 'DAMAGE_FOUND' });
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('verify:testRestore', (input, from) => startTestRestore(String(input['destination']), String(input['snapshot']), from));

  return {
    async 'replication:run'({ site }) {
      return { jobId: startReplication(site, null) };
    },

    async 'snapshot:copies'({ site: name }) {
      const site = store.get(name);
      if (!site.copyTo) return { copyTo: null, copies: [], error: null };
      try {
        const repo = await openDestinationRepository(ctx, site.copyTo, false);
        try {
          const copies = (await listSnapshots(repo)).filter((s) => s.site === site.name).map((s) => s.original ?? s.id);
          return { copyTo: site.copyTo, copies, error: null };
        } finally {
          await repo.backend.close();
        }
      } catch (error) {
        return { copyTo: site.copyTo, copies: [], error: error instanceof Error ? error.message : String(error) };
      }
    },

    async 'verify:testRestore'({ destination, snapshot }) {
      return { jobId: startTestRestore(destination, snapshot, null) };
    },

    async 'verify:history'({ destination }) {
      const { verifications } = await catalog.read();
      return { verifications: verifications.filter((v) => !destination || v.destination === destination).reverse() };
    },

    async 'repo:check'({ destination, readDataPercent }) {
      return { jobId: startCheck(destination, readDataPercent, null) };
    },

    async 'email:save'({ password, ...email }) {
      if (password !== undefined) {
        if (password) await ctx.secrets.write(EMAIL_PASSWORD_ACCOUNT, password);
        else await ctx.secrets.remove(EMAIL_PASSWORD_ACCOUNT);
      }
      await ctx.settings.update((draft) => {
        draft.preferences.email = email;
      });
      return { email: ctx.settings.data.preferences.email, hasPassword: await ctx.secrets.has(EMAIL_PASSWORD_ACCOUNT) };
    },

    async 'email:test'() {
      const email = ctx.settings.data.preferences.email;
      await sendEmail(email, await ctx.secrets.read(EMAIL_PASSWORD_ACCOUNT), {
        subject: 'SiteVault: test message',
        text: 'This is a test of the email report. SiteVault will write here when a backup fails, a check finds damage, or a site has no recent backup.',
      }).catch((error: unknown) => {
        throw new ApiError('BAD_REQUEST', (error as Error).message);
      });
      return { sent: true };
    },

    async 'job:list'() {
      return { jobs: ctx.jobs.list() };
    },

    async 'job:cancel'({ id }) {
      return { cancelled: ctx.jobs.cancel(id) };
    },

    async 'job:resume'({ id }) {
      return { jobId: ctx.jobs.resume(id) };
    },
  };
}
