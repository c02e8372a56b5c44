import { openRestoredDump, testRestore } from '../../automation/test-restore';
import { ApiError } from '../../contract/errors';
import { resolveSnapshot } from '../../engine/snapshots';
import { openSite } from '../../sites/open-site';
import type { HandlersOf, ServiceContext } from '../context';

/** Test restores and the history of every verification. */
export function verifyHandlers(ctx: ServiceContext): HandlersOf<'verify'> {
  /** With a scratch database set for the snapshot's site, the test restore imports the dump there. */
  const scratchImporter = (siteName: string) => {
    const site = ctx.sites.find(siteName);
    if (!site?.scratchDatabase) return undefined;
    const scratch = site.scratchDatabase;
    return async (folder: string) => {
      const connection = await openSite(site, await ctx.sites.secretsOf(site.name));
      try {
        if (!connection.importInto) throw new ApiError('BAD_REQUEST', `${site.name}'s database can only be reached over SSH with a shell; the scratch database cannot be used.`);
        const tables = await connection.importInto(scratch, await openRestoredDump(folder));
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
        const repo = await ctx.destinations.openRepository(destination);
        try {
          const snapshot = await resolveSnapshot(repo, snapshotRef);
          const result = await testRestore(repo, snapshot, { signal, onProgress, importDump: scratchImporter(snapshot.site) });
          setResult({ snapshot: snapshot.id, ...result });
          await ctx.catalog.recordVerification({
            kind: 'test-restore',
            destination,
            snapshot: snapshot.id,
            time: new Date().toISOString(),
            ok: result.problems.length === 0,
            summary: `${result.files} files (${result.bytes} bytes) restored and compared with the snapshot${result.database ? `; database: ${result.database.message}` : ''}`,
            problems: result.problems,
          });
          if (result.problems.length > 0) throw new ApiError('DAMAGE_FOUND', `The test restore found ${result.problems.length} problems, first: ${result.problems[0]}`);
        } finally {
          await repo.backend.close();
        }
      },
    );
  };
  ctx.jobs.registerResumer('verify:testRestore', (input, from) => startTestRestore(input.destination, input.snapshot, from));

  return {
    async 'verify:testRestore'({ destination, snapshot }) {
      return { jobId: startTestRestore(destination, snapshot, null) };
    },

    async 'verify:history'({ destination }) {
      const { verifications } = await ctx.catalog.read();
      return { verifications: verifications.filter((v) => !destination || v.destination === destination).reverse() };
    },
  };
}
