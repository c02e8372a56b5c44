import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import { siteSchema } from '../settings/settings-store';
import { buildClientReport, sitesFor } from './build-report';

const site = (name: string, tags: string[], destination: string | null = null) => siteSchema.parse({ name, url: `sftp://u@host/${name}`, tags, destination });
const sites = [site('zeta', ['Acme']), site('alpha', ['acme', 'monthly']), site('beta', ['other'])];

describe('sitesFor', () => {
  it('takes one site by name, or every site with the tag whatever its case, by name', () => {
    expect(sitesFor(sites, { site: 'beta' }).map((s) => s.name)).toEqual(['beta']);
    expect(sitesFor(sites, { tag: 'ACME' }).map((s) => s.name)).toEqual(['alpha', 'zeta']);
  });

  it('says what is wrong with the request', () => {
    expect(() => sitesFor(sites, { site: 'nope' })).toThrow('No site named nope.');
    expect(() => sitesFor(sites, { tag: 'nobody' })).toThrow('No site has the tag nobody.');
    expect(() => sitesFor(sites, { site: 'beta', tag: 'acme' })).toThrow(/not both/);
    expect(() => sitesFor(sites, {})).toThrow(/Choose a site or a tag/);
  });
});

describe('buildClientReport', () => {
  it('opens each destination once, and a destination that cannot be opened leaves its sites’ figures unknown with the reason', async () => {
    const opened: string[] = [];
    const report = await buildClientReport(
      {
        sites: [site('a', ['acme'], 'vault'), site('b', ['acme'], 'vault'), site('c', ['acme'])],
        catalog: { read: async () => ({ version: 1, sites: {}, destinations: {}, history: [], jobs: [], verifications: [], emails: { lastStale: null } }) },
        openRepository: async (destination) => {
          opened.push(destination);
          throw new ApiError('CONNECTION_FAILED', 'The server did not answer.');
        },
        author: { name: 'Jane', logo: null },
        now: new Date(2026, 11, 3),
      },
      { tag: 'acme', month: '2026-11' },
    );
    expect(opened).toEqual(['vault']);
    expect(report.scope).toEqual({ kind: 'tag', tag: 'acme' });
    expect(report.sites.map((s) => [s.site, s.kept, s.repositoryError])).toEqual([
      ['a', null, 'vault could not be read: The server did not answer.'],
      ['b', null, 'vault could not be read: The server did not answer.'],
      // No destination: nothing backed up, nothing unknown.
      ['c', [], null],
    ]);
    expect(report.totals.kept).toBeNull();
  });
});
