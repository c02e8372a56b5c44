import { ApiError, toErrorPayload } from '../../contract/errors';
import type { ParsedInput, SiteImportSummary } from '../../contract/operations';
import { MAX_SITE_NAME, siteUrlOf, type ImportCandidate, type ImportParseResult } from '../../sites/import/candidate';
import { parseSitesCsv } from '../../sites/import/csv';
import { parseFileZilla } from '../../sites/import/filezilla';
import type { ServiceContext } from '../context';
import { foldedName } from '../../sites/site-store';
import type { Schedule } from '../../automation/schedule';

const PARSERS: Record<ParsedInput<'site:import'>['format'], (content: string) => ImportParseResult> = {
  filezilla: parseFileZilla,
  csv: parseSitesCsv,
};

/** The name itself when free, else the first of name-2, name-3 … that is (a saved site is never replaced); `taken` holds folded names (case ignored). */
export function freeSiteName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(foldedName(name))) return name;
  for (let n = 2; ; n += 1) {
    const suffix = `-${n}`;
    const candidate = `${name.slice(0, MAX_SITE_NAME - suffix.length).trimEnd()}${suffix}`;
    if (!taken.has(foldedName(candidate))) return candidate;
  }
}

/**
 * An imported site is not backed up on a schedule before its server is confirmed: the scheduler
 * would otherwise log in (a plain FTP password in clear, an FTPS one on the system's CAs alone)
 * before the user has looked at it. Confirming it (the import screen) starts its schedule.
 */
export const SCHEDULE_UNTIL_CONFIRMED: Schedule = {
  files: { enabled: false, time: '02:00', frequency: 'daily', weekday: 0, cron: null },
  database: { enabled: false, everyHours: 6 },
};
const NOT_SCHEDULED_YET = 'It is not backed up on a schedule until then.';

function whatToConfirm(candidate: ImportCandidate): { confirm: SiteImportSummary['needsAttention'][number]['confirm']; reason: string } {
  if (candidate.protocol === 'sftp') return { confirm: 'ssh-host-key', reason: 'Confirm the server’s host key first: SiteVault sends it no password until you do.' };
  if (candidate.protocol === 'ftps') return { confirm: 'tls-certificate', reason: 'Confirm the server’s certificate first: SiteVault sends it no password until you do.' };
  return { confirm: 'none', reason: 'Test the connection: plain FTP has no key to confirm.' };
}

/**
 * `site:import`: the file's sites saved as new sites (secrets to the keychain through the
 * site store, as `site:save` does), with no key or certificate pinned and no server
 * contacted. A name already saved is never replaced: the new site takes a suffix.
 */
export async function importSites(ctx: ServiceContext, { format, content, destination, dryRun }: ParsedInput<'site:import'>): Promise<SiteImportSummary> {
  if (destination !== null && !ctx.destinations.find(destination)) throw new ApiError('NOT_FOUND', `No destination named ${destination}.`, { hint: 'check-destination-name' });
  const { candidates, problems } = PARSERS[format](content);
  const summary: SiteImportSummary = { dryRun, imported: [], skipped: [...problems], needsAttention: [] };
  const taken = new Set(ctx.sites.list().map((s) => foldedName(s.name)));
  for (const candidate of candidates) {
    const target = candidate.destination ?? destination;
    if (target !== null && !ctx.destinations.find(target)) {
      summary.skipped.push({ entry: candidate.entry, reason: `no destination named ${target}` });
      continue;
    }
    const name = freeSiteName(candidate.name, taken);
    const url = siteUrlOf(candidate);
    if (!dryRun) {
      try {
        await ctx.sites.save(
          { name, url, identityFile: candidate.identityFile, tags: candidate.tags, destination: target, schedule: SCHEDULE_UNTIL_CONFIRMED },
          candidate.password ? { password: candidate.password } : {},
          'add',
        );
      } catch (error) {
        summary.skipped.push({ entry: candidate.entry, reason: toErrorPayload(error).message });
        continue;
      }
    }
    taken.add(foldedName(name));
    const { confirm, reason } = whatToConfirm(candidate);
    summary.imported.push({ entry: candidate.entry, name, url, renamedFrom: name === candidate.name ? null : candidate.name, destination: target, password: Boolean(candidate.password) });
    summary.needsAttention.push({ name, url, confirm, reasons: [reason, NOT_SCHEDULED_YET, ...candidate.notes] });
  }
  return summary;
}
