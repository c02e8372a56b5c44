import type { Catalog } from '../automation/catalog';
import type { RunDueReport } from '../automation/run-due';
import type { EmailPreferences } from '../settings/preferences';
import type { SecretStore } from '../secrets/keychain';
import { sendEmail, type EmailMessage } from './email-report';

/** The keychain account of the SMTP password. */
export const EMAIL_PASSWORD_ACCOUNT = 'email:smtp:password';

/** The email for one scheduled run, or null when there is nothing to say (only problems are sent by default). */
export function runReportEmail(report: RunDueReport, send: EmailPreferences['send']): EmailMessage | null {
  const failed = report.runs.filter((r) => r.status === 'failed');
  const damaged = report.checks.filter((c) => c.problems.length > 0);
  const unchecked = report.checks.filter((c) => c.error);
  const notCopied = report.copies.filter((c) => c.status === 'failed');
  const problems = failed.length + damaged.length + unchecked.length + notCopied.length + report.stale.length;
  if (problems === 0 && (send === 'problems' || (report.runs.length === 0 && report.checks.length === 0 && report.copies.length === 0))) return null;
  const parts = [
    failed.length ? `${failed.length} backup${failed.length > 1 ? 's' : ''} failed` : null,
    damaged.length ? `damage found in ${damaged.map((c) => c.destination).join(', ')}` : null,
    unchecked.length ? `${unchecked.length} check${unchecked.length > 1 ? 's' : ''} could not run` : null,
    report.stale.length ? `${report.stale.length} site${report.stale.length > 1 ? 's' : ''} without a recent backup` : null,
    notCopied.length ? `${notCopied.length} cop${notCopied.length > 1 ? 'ies' : 'y'} to a second destination failed` : null,
  ].filter(Boolean);
  const subject = `SiteVault: ${parts.length ? parts.join(', ') : `${report.runs.length} backups OK`}`;
  const lines = [`Scheduled run at ${report.now}`, ''];
  for (const run of report.runs) {
    if (run.status === 'succeeded') {
      const copy = run.report?.replication ? `; copied to ${run.report.replication.destination}` : '';
      lines.push(`OK      ${run.site} (${run.kind}): snapshot ${run.snapshot?.slice(0, 8)}${run.removed ? `, ${run.removed} old snapshots removed` : ''}${copy}`);
    } else {
      lines.push(`FAILED  ${run.site} (${run.kind}): ${run.error}`);
    }
  }
  for (const copy of report.copies) {
    lines.push(copy.status === 'succeeded' ? `COPIED  ${copy.site} to ${copy.destination}: ${copy.copied} snapshots` : `FAILED  copy of ${copy.site} to ${copy.destination}: ${copy.error}`);
  }
  for (const check of report.checks) {
    if (check.error) lines.push(`CHECK   ${check.destination}: could not run: ${check.error}`);
    else if (check.problems.length) {
      lines.push(`DAMAGE  ${check.destination}: ${check.problems.length} problems`);
      for (const p of check.problems.slice(0, 20)) lines.push(`        ${p}`);
    } else lines.push(`CHECK   ${check.destination}: no problems (${check.snapshots} snapshots, ${check.packsRead} packs read back)`);
  }
  for (const s of report.skipped) lines.push(`SKIPPED ${s.site}: ${s.reason}`);
  for (const s of report.stale) lines.push(`STALE   ${s.title.replace(/^No recent backup of /, '')}: ${s.body}`);
  lines.push('', 'Open SiteVault to see the details, resume a failed job, or check a destination.');
  return { subject, text: lines.join('\n') };
}

const STALE_EMAIL_EVERY_MS = 86_400_000;

/**
 * Sends the run's report when email is on and there is something to send; returns what
 * happened, for logs. Stale sites alone are reported once a day, not at every run.
 */
export async function emailRunReport(email: EmailPreferences, secrets: SecretStore, report: RunDueReport, catalog: Catalog): Promise<'sent' | 'nothing to send' | 'off'> {
  if (!email.enabled) return 'off';
  const lastStale = (await catalog.read()).emails.lastStale;
  const staleReported = lastStale !== null && Date.parse(report.now) - Date.parse(lastStale) < STALE_EMAIL_EVERY_MS;
  const message = runReportEmail(staleReported ? { ...report, stale: [] } : report, email.send);
  if (!message) return 'nothing to send';
  await sendEmail(email, await secrets.read(EMAIL_PASSWORD_ACCOUNT), message);
  if (report.stale.length > 0 && !staleReported) {
    await catalog.update((data) => {
      data.emails.lastStale = report.now;
    });
  }
  return 'sent';
}
