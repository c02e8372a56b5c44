import { runDueFor } from '../../core/automation/scheduler';
import { openCore } from '../../core/open-core';
import { defineCommand } from '../command';
import { JSON_OPTION } from '../repo-access';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

export const runDueCommand = defineCommand({
  name: 'run-due',
  summary: 'Run every scheduled backup, copy, prune and check that is due (for cron or a systemd timer).',
  usage: ['run-due [--now ISO8601] [--dry-run] [--json]'],
  details: [
    'A missed run runs once. Each backup is read back, each site’s retention applied, new snapshots copied to',
    'the second destination; each destination is pruned at most weekly and checked on its schedule; the',
    'email report goes out when one is set. Example crontab line: */15 * * * * sitevault run-due',
  ],
  options: {
    ...JSON_OPTION,
    now: { type: 'string', value: 'ISO8601', help: 'Act as if it were this time (for testing a schedule).' },
    'dry-run': { type: 'boolean', default: false, help: 'List what is due; run nothing.' },
  },
  env: { SITEVAULT_HOME: 'The data folder whose sites and destinations are used.' },
  exitCodes: { 1: 'a backup or a copy failed, a check found damage, or the email could not be sent' },
  async run({ values }, io, env) {
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not an ISO 8601 time: ${values.now}`);
    const core = await openCore({ shell: 'cli', env });
    const { report, email, emailError } = await runDueFor(core, { now, dryRun: values['dry-run'], onLine: values.json ? undefined : (line) => io.out(line) });
    if (emailError) io.err(emailError.message);
    if (values.json) io.out(JSON.stringify({ ...report, email }));
    else {
      if (report.due.length === 0 && report.checks.length === 0 && report.copies.length === 0) io.out('Nothing is due.');
      else if (values['dry-run']) for (const d of report.due) io.out(`due: ${d.site} (${d.kind})`);
      for (const s of report.skipped) io.out(`skipped: ${s.site}: ${s.reason}`);
      if (email === 'sent') io.out('Email report sent.');
    }
    const failed = report.runs.some((r) => r.status === 'failed') || report.checks.some((c) => !c.ok) || report.copies.some((c) => c.status === 'failed') || email === 'failed';
    return failed ? EXIT_ERROR : EXIT_OK;
  },
});
