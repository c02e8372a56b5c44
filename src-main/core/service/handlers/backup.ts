import { backupRunEnv, runSiteBackup, type BackupRunReport } from '../../automation/site-backup-run';
import { ApiError } from '../../contract/errors';
import type { ParsedInput } from '../../contract/operations';
import { jobRequest } from '../../jobs/job-runner';
import type { HandlersOf, ServiceContext } from '../context';

/** "Back up now": a job per site, resumable, into the site's destination or another saved one. */
export function backupHandlers(ctx: ServiceContext): HandlersOf<'backup'> {
  const startBackup = (input: ParsedInput<'backup:run'>, resumedFrom: string | null): string => {
    const saved = ctx.sites.get(input.site);
    const destination = input.destination ?? saved.destination;
    if (!destination) throw new ApiError('BAD_REQUEST', `${saved.name} has no destination for its backups yet: choose one in its settings.`);
    if (!ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`, { hint: 'check-destination-name' });
    const site = { ...saved, destination };
    return ctx.jobs.start(
      { kind: 'backup', title: `Back up ${site.name}`, site: site.name, priority: 'now', request: jobRequest('backup:run', input), resumedFrom },
      async ({ signal, onProgress, setResult }) => {
        try {
          const report = await runSiteBackup(backupRunEnv(ctx), site, { kind: input.scope, tags: input.tags, time: input.time ? new Date(input.time) : undefined, signal, onProgress });
          setResult({ ...report });
        } catch (error) {
          const report = (error as { report?: BackupRunReport }).report;
          if (report) setResult({ ...report });
          throw error;
        }
      },
    );
  };
  ctx.jobs.registerResumer('backup:run', (input, from) => startBackup(input, from));

  return {
    async 'backup:run'(input) {
      return { jobId: startBackup(input, null) };
    },
  };
}
