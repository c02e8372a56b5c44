import { parseArgs } from 'node:util';
import { emailRunReport } from '../../core/alerts/run-report';
import { Catalog } from '../../core/automation/catalog';
import { runDue } from '../../core/automation/run-due';
import { openCore } from '../../core/open-core';
import { openDestinationRepository } from '../../core/service/site-handlers';
import { SiteStore } from '../../core/sites/site-store';
import type { CliOutput } from '../output';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

/** `sitevault run-due [--now ISO] [--dry-run] [--json]`: everything due now, for cron or systemd. */
export async function runDueCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { now: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not an ISO 8601 time: ${values.now}`);
  const core = await openCore({ shell: 'cli', env });
  const store = new SiteStore(core.settings, core.secrets);
  const preferences = core.settings.data.preferences;
  const report = await runDue({
    sites: store.list(),
    secretsOf: (name) => store.secretsOf(name),
    openRepository: (destination) => openDestinationRepository(core, destination),
    catalog: new Catalog(core.dataDir),
    verification: preferences.verification,
    now,
    dryRun: values['dry-run'],
    onLine: values.json ? undefined : (line) => io.out(line),
  });
  let email: string = 'off';
  if (!values['dry-run']) {
    email = await emailRunReport(preferences.email, core.secrets, report, new Catalog(core.dataDir)).catch((error: unknown) => {
      io.err((error as Error).message);
      return 'failed';
    });
  }
  if (values.json) io.out(JSON.stringify({ ...report, email }));
  else {
    if (report.due.length === 0 && report.checks.length === 0 && report.copies.length === 0) io.out('Nothing is due.');
    else if (values['dry-run']) for (const d of report.due) io.out(`due: ${d.site} (${d.kind})`);
    for (const s of report.skipped) io.out(`skipped: ${s.site}: ${s.reason}`);
    if (email === 'sent') io.out('Email report sent.');
  }
  const failed = report.runs.some((r) => r.status === 'failed') || report.checks.some((c) => !c.ok) || report.copies.some((c) => c.status === 'failed') || email === 'failed';
  return failed ? EXIT_ERROR : EXIT_OK;
}
