import type { Catalog } from '../automation/catalog';
import { ApiError, isPublicError, toErrorPayload } from '../contract/errors';
import type { Repository } from '../engine/repository';
import { listSnapshots } from '../engine/snapshots';
import type { Site } from '../settings/settings-store';
import { monthRange } from './month';
import type { ClientReport } from './report-schema';
import { reportTotals, siteReport, type RepositoryView } from './site-report';

export interface ReportSources {
  sites: readonly Site[];
  catalog: Pick<Catalog, 'read'>;
  /** Opens a saved destination's repository; the caller closes its backend. */
  openRepository: (destination: string, options: { loadIndex: boolean }) => Promise<Repository>;
  author: ClientReport['author'];
  now?: Date;
}

export interface ReportRequest {
  site?: string | undefined;
  tag?: string | undefined;
  month: string;
}

/** The sites a report covers: one by name, or every site with a tag (case aside). */
export function sitesFor(sites: readonly Site[], request: Pick<ReportRequest, 'site' | 'tag'>): Site[] {
  if (request.site !== undefined && request.tag !== undefined) throw new ApiError('BAD_REQUEST', 'A report is for one site or for one tag, not both.');
  if (request.site !== undefined) {
    const site = sites.find((s) => s.name === request.site);
    if (!site) throw new ApiError('NOT_FOUND', `No site named ${request.site}.`, { hint: 'check-site-name' });
    return [site];
  }
  if (request.tag !== undefined) {
    const tag = request.tag.trim().toLowerCase();
    const tagged = sites.filter((s) => s.tags.some((t) => t.toLowerCase() === tag)).sort((a, b) => a.name.localeCompare(b.name));
    if (tagged.length === 0) throw new ApiError('NOT_FOUND', `No site has the tag ${request.tag}.`);
    return tagged;
  }
  throw new ApiError('BAD_REQUEST', 'Choose a site or a tag for the report.');
}

/** Reads a repository once: its snapshots, and the size of its data (one listing of its packs). */
async function readRepository(sources: ReportSources, destination: string): Promise<RepositoryView> {
  const repo = await sources.openRepository(destination, { loadIndex: false });
  try {
    // A damaged snapshot object is left out here; a check reports it.
    const snapshots = await listSnapshots(repo, () => {});
    let dataBytes: number | null = null;
    try {
      dataBytes = (await repo.backend.list('data')).reduce((sum, o) => sum + o.size, 0);
    } catch {
      // The snapshots' own figures stand in (the report says which it shows).
    }
    return { snapshots, installation: repo.installation, dataBytes };
  } finally {
    await repo.backend.close();
  }
}

/**
 * A client report: for one site or a tag's sites and a month, what the catalog recorded
 * (runs, restores, verifications) and what the repositories hold (snapshots, storage). Each
 * destination is opened once; one that cannot be read leaves its sites' snapshot figures
 * unknown, with the reason, and the rest of the report stands.
 */
export async function buildClientReport(sources: ReportSources, request: ReportRequest): Promise<ClientReport> {
  const range = monthRange(request.month);
  const sites = sitesFor(sources.sites, request);
  const catalog = await sources.catalog.read();
  const destinations = [...new Set(sites.flatMap((s) => (s.destination ? [s.destination] : [])))];
  const read = new Map<string, { view: RepositoryView | null; error: string | null }>(
    await Promise.all(
      destinations.map(async (d): Promise<[string, { view: RepositoryView | null; error: string | null }]> => {
        try {
          return [d, { view: await readRepository(sources, d), error: null }];
        } catch (error) {
          return [d, { view: null, error: isPublicError(error) ? `${d} could not be read: ${toErrorPayload(error).message}` : `${d} could not be read.` }];
        }
      }),
    ),
  );
  const empty: RepositoryView = { snapshots: [], installation: null, dataBytes: null };
  const reports = sites.map((site) => {
    const found = site.destination ? read.get(site.destination) : undefined;
    return siteReport({ site, range, catalog, repository: found ? found.view : empty, repositoryError: found?.error ?? null });
  });
  return {
    month: range.month,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    generated: (sources.now ?? new Date()).toISOString(),
    scope: request.site !== undefined ? { kind: 'site', site: request.site } : { kind: 'tag', tag: sites[0]!.tags.find((t) => t.toLowerCase() === request.tag!.trim().toLowerCase()) ?? request.tag! },
    author: sources.author,
    sites: reports,
    totals: reportTotals(reports),
  };
}
