import { ApiError } from '../../contract/errors';
import { buildClientReport } from '../../reports/build-report';
import type { HandlersOf, ServiceContext } from '../context';

/** A PDF file name that any file system takes: the suggested name's letters, digits and - _ . only. */
function pdfFileName(suggested: string): string {
  const base = suggested
    .replace(/\.pdf$/i, '')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^[.-]+|-+$/g, '')
    .slice(0, 100);
  return `${base || 'report'}.pdf`;
}

/** Client reports: the figures for a site or a tag and a month, and (desktop) the page as a PDF. */
export function reportHandlers(ctx: ServiceContext): HandlersOf<'report'> {
  return {
    async 'report:build'({ site, tag, month }) {
      const preferences = ctx.settings.data.preferences;
      return buildClientReport(
        {
          sites: ctx.settings.data.sites,
          catalog: ctx.catalog,
          openRepository: (destination, options) => ctx.destinations.openRepository(destination, options),
          author: { name: preferences.reportName, logo: preferences.reportLogo },
        },
        { site, tag, month },
      );
    },

    async 'report:savePdf'({ fileName }) {
      // The browser prints the page itself (headless); the command line has no page to print.
      if (!ctx.savePdf) throw new ApiError('BAD_REQUEST', 'Saving a report as PDF from here is only possible in the desktop app; print the page from the browser instead.');
      return { file: await ctx.savePdf(pdfFileName(fileName)) };
    },
  };
}
