import { parse } from 'csv-parse/sync';
import { ApiError } from '../../contract/errors';
import { siteTagsSchema } from '../../settings/site-tags';
import type { RemoteProtocol } from '../../backends/location';
import {
  checkImportSize,
  EntryProblem,
  folderField,
  hostField,
  MAX_IMPORT_ENTRIES,
  passwordField,
  portField,
  siteNameOf,
  textField,
  userField,
  type ImportCandidate,
  type ImportParseResult,
  type ImportProblem,
} from './candidate';

/** The columns a CSV import reads, in the order a template lists them. */
export const CSV_COLUMNS = ['name', 'protocol', 'host', 'port', 'user', 'password', 'folder', 'destination', 'tags'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['host', 'user'];

function protocolOf(value: string, notes: string[]): RemoteProtocol {
  const protocol = value.trim().toLowerCase() || 'sftp';
  if (protocol === 'sftp' || protocol === 'ftps') return protocol;
  if (protocol === 'ftp') {
    notes.push('Plain FTP: the password travels unencrypted. Use SFTP or FTPS if the host offers it.');
    return 'ftp';
  }
  throw new EntryProblem(`its protocol ${JSON.stringify(protocol.slice(0, 20))} is not sftp, ftp or ftps`);
}

function tagsOf(value: string): string[] {
  const tags = value
    .split(/[;|,]/)
    .map((t) => t.trim())
    .filter(Boolean);
  const checked = siteTagsSchema.safeParse(tags);
  if (!checked.success) throw new EntryProblem(`its tags cannot be used: ${checked.error.issues[0]?.message ?? 'not valid'}`);
  return [...new Set(checked.data)];
}

function candidateOf(row: Partial<Record<Column, string>>, entry: string): ImportCandidate {
  const notes: string[] = [];
  const cell = (column: Column): string => (row[column] ?? '').trim();
  const protocol = protocolOf(cell('protocol'), notes);
  const host = hostField(cell('host'));
  const port = portField(cell('port'), protocol);
  const user = userField(cell('user'));
  const password = row.password ? passwordField(row.password) : null;
  if (password === null) notes.push('The file holds no password for it: type it when you confirm the server.');
  const folder = folderField(cell('folder'));
  if (!folder) notes.push('No folder: the site is the login’s home folder. Check that it is the site’s own folder.');
  const ownName = textField(cell('name'), 'name', 200);
  const destination = textField(cell('destination'), 'destination', 40);
  return {
    entry,
    name: siteNameOf(ownName, host),
    protocol,
    host,
    port,
    user,
    password,
    folder,
    identityFile: null,
    ...(destination ? { destination } : {}),
    tags: tagsOf(cell('tags')),
    notes,
  };
}

/**
 * The parser's problem in words. Never its message: that quotes the field, which may be a password.
 */
function csvProblem(code: string | undefined): string {
  switch (code) {
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside a field that does not start with one';
    case 'CSV_QUOTE_NOT_CLOSED':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field that is not closed where it should be';
    case 'CSV_MAX_RECORD_SIZE':
      return 'a row longer than 64 KB';
    default:
      return 'a row that cannot be read';
  }
}

/**
 * Sites from a CSV file with a header row naming its columns (name, protocol, host, port, user,
 * password, folder, destination, tags; host and user are required, the others may be left out).
 * The file is hostile input: bounded, and each row checked on its own.
 */
export function parseSitesCsv(content: string): ImportParseResult {
  checkImportSize(content);
  const problems: ImportProblem[] = [];
  let header: Column[] = [];
  let records: string[][];
  try {
    records = parse(content, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      max_record_size: 64 * 1024,
      skip_records_with_error: true,
      on_skip: (error) => {
        problems.push({ entry: error?.lines ? `line ${error.lines}` : 'a line', reason: `it is not a valid CSV row (${csvProblem(error?.code)})` });
        return undefined;
      },
    }) as string[][];
  } catch (error) {
    throw new ApiError('BAD_REQUEST', `The file is not a CSV file SiteVault can read: ${csvProblem((error as { code?: string }).code)}.`);
  }
  const [first, ...rows] = records;
  if (!first) throw new ApiError('BAD_REQUEST', 'The CSV file is empty: it needs a header row (name,protocol,host,port,user,password,folder,destination,tags) and a row per site.');
  header = first.map((h) => h.trim().toLowerCase()) as Column[];
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) {
    throw new ApiError(
      'BAD_REQUEST',
      `The CSV header names columns SiteVault does not know: ${unknown
        .slice(0, 5)
        .map((u) => JSON.stringify(u.slice(0, 30)))
        .join(', ')}. It reads ${CSV_COLUMNS.join(', ')}.`,
    );
  }
  if (new Set(header).size !== header.length) throw new ApiError('BAD_REQUEST', 'The CSV header names a column twice.');
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new ApiError('BAD_REQUEST', `The CSV header has no ${missing.join(' or ')} column: each site needs its host and user.`);

  const candidates: ImportCandidate[] = [];
  rows.slice(0, MAX_IMPORT_ENTRIES).forEach((cells, index) => {
    const named = (cells[header.indexOf('name')] ?? '').trim();
    // A name the user can read names the row; one with control characters is the row's problem.
    const entry = named && named.length <= 200 && !/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(named) ? `row ${index + 1} (${named})` : `row ${index + 1}`;
    try {
      if (cells.length > header.length) throw new EntryProblem(`it has ${cells.length} cells for ${header.length} columns (quote a value that holds a comma)`);
      const row = Object.fromEntries(header.map((column, i) => [column, cells[i] ?? ''])) as Partial<Record<Column, string>>;
      candidates.push(candidateOf(row, entry));
    } catch (error) {
      if (!(error instanceof EntryProblem)) throw error;
      problems.push({ entry, reason: error.message });
    }
  });
  if (rows.length > MAX_IMPORT_ENTRIES)
    problems.push({ entry: `${rows.length - MAX_IMPORT_ENTRIES} more rows`, reason: `one import takes at most ${MAX_IMPORT_ENTRIES} sites: import the rest from another file` });
  return { candidates, problems };
}
