import type { ClientReport, SiteReport } from '../../src-main/core/reports/report-schema';
import { formatBytes } from '../lib/format';

/** "November 2026", for the month's first instant. */
export function monthLabel(report: Pick<ClientReport, 'from'>): string {
  return new Date(report.from).toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
}

export function dayLabel(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function contentWords(kind: 'both' | 'files' | 'database'): string {
  return kind === 'both' ? 'Files and database' : kind === 'files' ? 'Files' : 'Database';
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The storage figure and how it was measured, in the report's words. */
export function storageWords(storage: SiteReport['storage']): { figure: string; note: string } {
  if (storage.bytes === null) return { figure: 'unknown', note: 'The backup storage could not be read.' };
  if (storage.method === 'repository') return { figure: formatBytes(storage.bytes), note: 'The whole backup repository, which holds this site alone (compressed and deduplicated).' };
  const shared =
    storage.sharedWith > 0 ? ` The repository is shared with ${plural(storage.sharedWith, 'other site')}${storage.repositoryBytes !== null ? ` (${formatBytes(storage.repositoryBytes)} in all)` : ''}.` : '';
  return { figure: `about ${formatBytes(storage.bytes)}`, note: `New data its kept backups added, compressed and deduplicated.${shared}` };
}

/** A name for the PDF file: who it is for and the month. */
export function reportFileName(report: Pick<ClientReport, 'scope' | 'month'>): string {
  const who = report.scope.kind === 'site' ? report.scope.site : report.scope.tag;
  return `${who}-backup-report-${report.month}.pdf`;
}
