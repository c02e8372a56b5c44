import type { CatalogSiteRecord, SiteSummary } from '../automation/catalog';
import { effectiveSchedule, nextRun, type Schedule } from '../automation/schedule';
import { expectedInterval } from '../alerts/desktop-alerts';
import { isHintKey } from '../contract/errors';
import type { SiteInfo } from '../contract/operations';
import type { Site } from '../settings/settings-store';
import { databaseSettingsChangedMessage } from '../sites/site-backup';
import type { SiteSecret } from '../sites/site-store';
import type { ServiceContext } from './context';

/** What the screens show of a site: its settings, schedule and stored secrets (whether, never what). */
export async function siteInfo(
  ctx: Pick<ServiceContext, 'sites' | 'catalog' | 'schedulerActive'>,
  site: Site,
  known?: { record: CatalogSiteRecord; has: (name: string, secret: SiteSecret) => Promise<boolean> },
): Promise<SiteInfo> {
  const store = known ?? ctx.sites;
  const schedulerActive = ctx.schedulerActive ?? false;
  const record = known?.record ?? (await ctx.catalog.lastRuns(site.name));
  const changed = record.databaseSettings && record.databaseSettingsChanged;
  return {
    name: site.name,
    url: site.url,
    environment: site.environment,
    tags: site.tags,
    destination: site.destination,
    copyTo: site.copyTo,
    copyWhen: site.copyTo ? (site.copyWhen === 'daily' ? `daily at ${site.copyAt}` : 'after each backup') : null,
    hostKey: site.hostKey,
    tlsFingerprint: site.tlsFingerprint,
    databaseMode: site.database.mode,
    schedule: describeSchedule(effectiveSchedule(site)),
    nextRun: schedulerActive ? (nextRun(effectiveSchedule(site), new Date())?.toISOString() ?? null) : null,
    hasPassword: await store.has(site.name, 'password'),
    hasKeyPassphrase: await store.has(site.name, 'keyPassphrase'),
    hasDatabasePassword: await store.has(site.name, 'dbPassword'),
    databaseSettingsChanged: changed ? databaseSettingsChangedMessage(record.databaseSettings!, record.databaseSettingsChanged!) : null,
    summary: siteSummary(site, record.summary),
    health: siteHealth(site, record, new Date()),
  };
}

/** The catalog's summary of the site's snapshots, when it describes the site's current destination. */
function siteSummary(site: Site, summary: SiteSummary | null): SiteInfo['summary'] {
  if (!summary || summary.destination !== site.destination) return null;
  const latest = summary.latest;
  return {
    snapshots: summary.snapshots,
    latest: latest ? { time: latest.time, kind: latest.kind, bytes: latest.bytes, warnings: latest.warnings, databaseMissing: latest.databaseMissing } : null,
    lastDatabase: summary.lastDatabase,
    wordpress: summary.wordpress,
  };
}

/** Whether a site has snapshots the catalog has no summary of (catalogs from before summaries were kept, a changed destination). */
export function needsSummary(site: Site, record: { summary: SiteSummary | null; lastRun: unknown; files: string | null; database: string | null }): boolean {
  if (!site.destination || record.summary?.destination === site.destination) return false;
  return record.lastRun !== null || record.files !== null || record.database !== null;
}

function siteHealth(site: Site, record: Awaited<ReturnType<ServiceContext['catalog']['lastRuns']>>, now: Date): SiteInfo['health'] {
  const failing = record.lastRun !== null && (record.lastRun.status === 'failed' || record.lastRun.error !== null);
  // Catalogs written before lastGood was kept still know when each kind last succeeded.
  const lastGood =
    record.lastGood ??
    [record.files, record.database]
      .filter((t): t is string => t !== null)
      .sort()
      .at(-1) ??
    null;
  const interval = expectedInterval(effectiveSchedule(site), now);
  const stale = lastGood !== null && interval !== null && now.getTime() - Date.parse(lastGood) > 2 * interval;
  return {
    state: failing ? 'failing' : lastGood === null ? 'never' : stale ? 'stale' : 'ok',
    lastGood,
    failures: record.failures,
    failingSince: record.failingSince,
    lastError: failing && record.lastRun!.error !== null ? { message: record.lastRun!.error, code: record.lastRun!.code, hint: isHintKey(record.lastRun!.hint) ? record.lastRun!.hint : null } : null,
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function describeFiles(files: Schedule['files']): string {
  if (files.frequency === 'cron') return `files on cron "${files.cron}"`;
  if (files.frequency === 'weekly') return `files weekly on ${WEEKDAYS[files.weekday]} at ${files.time}`;
  return `files daily at ${files.time}`;
}

function describeSchedule(schedule: Schedule | null): string | null {
  if (!schedule) return null;
  const parts = [schedule.files.enabled ? describeFiles(schedule.files) : null, schedule.database.enabled ? `database every ${schedule.database.everyHours} hours` : null].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : null;
}
