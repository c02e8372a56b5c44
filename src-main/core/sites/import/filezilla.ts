import { XMLParser } from 'fast-xml-parser';
import { ApiError } from '../../contract/errors';
import { isNetworkPath } from '../../backends/key-files';
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

/** `/home/me/.ssh/id_ed25519` or `C:\Users\me\key.ppk`: a file on this computer. */
function isAbsoluteLocalPath(path: string): boolean {
  return /^\/(?!\/)/.test(path) || /^[A-Za-z]:[\\/]/.test(path);
}

/** Folders in folders deeper than this are not a Site Manager someone made by hand. */
const MAX_FOLDER_DEPTH = 16;

/** FileZilla's protocol numbers (its ServerProtocol enum) that SiteVault cannot reach, by name. */
const OTHER_PROTOCOLS: Record<string, string> = {
  '2': 'HTTP',
  '5': 'HTTPS',
  '7': 'Amazon S3',
  '8': 'Storj',
  '9': 'WebDAV',
  '10': 'Azure File Storage',
  '11': 'Azure Blob Storage',
  '12': 'OpenStack Swift',
  '13': 'Google Cloud Storage',
  '14': 'Google Drive',
  '15': 'Dropbox',
  '16': 'Microsoft OneDrive',
  '17': 'Backblaze B2',
  '18': 'Box',
  '19': 'WebDAV',
  '20': 'Rackspace Cloud Storage',
  '21': 'Storj',
};

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  // Values stay text: a password of digits is not a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Only XML's own entities (&amp; &lt; …): a DOCTYPE is refused before parsing, so none can be declared.
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_FOLDER_DEPTH + 8,
  isArray: (name) => name === 'Server' || name === 'Folder',
});

/** The text of an element that holds only text (or only text and attributes). */
function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (typeof node === 'object' && !Array.isArray(node)) return textOf((node as XmlNode)['#text']);
  if (Array.isArray(node)) return node.map(textOf).join('');
  return '';
}

/**
 * FileZilla's own form of a remote folder ("1 0 4 home 3 www": a server type, the length
 * and text of a prefix, then each segment as its length and text) as an absolute path.
 */
export function decodeFileZillaPath(encoded: string): string {
  const text = encoded.trim();
  if (text === '') return '';
  let at = 0;
  const number = (): number => {
    const match = /^(\d{1,6})(?: |$)/.exec(text.slice(at));
    if (!match) throw new EntryProblem('its remote folder is not in FileZilla’s form');
    at += match[0].length;
    return Number(match[1]);
  };
  const take = (length: number): string => {
    const part = text.slice(at, at + length);
    if (part.length !== length) throw new EntryProblem('its remote folder is cut short');
    at += length;
    if (at < text.length) {
      if (text[at] !== ' ') throw new EntryProblem('its remote folder is not in FileZilla’s form');
      at += 1;
    }
    return part;
  };
  const type = /^(\d+)(?: |$)/.exec(text);
  if (!type) throw new EntryProblem('its remote folder is not in FileZilla’s form');
  at = type[0].length;
  // 0: the default, 1: Unix; other types (VMS, DOS, MVS…) name folders another way.
  if (type[1] !== '0' && type[1] !== '1') throw new EntryProblem('its remote folder is not a Unix-style path');
  const prefixLength = number();
  if (prefixLength > 0) throw new EntryProblem('its remote folder has a prefix (not a Unix-style path)');
  const segments: string[] = [];
  while (at < text.length) {
    const segment = take(number());
    if (segment.includes('/') || segment === '.' || segment === '..' || segment === '') throw new EntryProblem('its remote folder holds a segment that is not a folder name');
    segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

function protocolOf(code: string, notes: string[]): RemoteProtocol {
  switch (code) {
    case '':
    case '0':
      notes.push('FileZilla used TLS only when the server offered it; SiteVault always asks for it (FTPS). If the server has no TLS, change the site to plain FTP.');
      return 'ftps';
    case '1':
      return 'sftp';
    case '3':
      throw new EntryProblem('it uses implicit FTPS (FTP over TLS from the first byte), which SiteVault does not support: use explicit FTPS (ftps://) or SFTP');
    case '4':
      return 'ftps';
    case '6':
      notes.push('Plain FTP: the password travels unencrypted. Use SFTP or FTPS if the host offers it.');
      return 'ftp';
    default: {
      const name = OTHER_PROTOCOLS[code];
      throw new EntryProblem(
        name ? `its protocol is ${name}: SiteVault backs up SFTP, FTP and FTPS sites only` : `its protocol (FileZilla’s number ${JSON.stringify(code.slice(0, 10))}) is not SFTP, FTP or FTPS`,
      );
    }
  }
}

function passwordOf(server: XmlNode, notes: string[]): string | null {
  const pass = server['Pass'];
  if (pass === undefined) return null;
  const encoding = typeof pass === 'object' && pass !== null ? String((pass as XmlNode)['@_encoding'] ?? '') : '';
  const raw = textOf(pass);
  if (encoding === 'crypt') {
    notes.push('FileZilla protects its password with a master password: type the password when you confirm the server.');
    return null;
  }
  if (encoding === 'base64') {
    const compact = raw.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new EntryProblem('its password is not valid base64');
    return passwordField(Buffer.from(compact, 'base64').toString('utf8'));
  }
  if (encoding !== '') throw new EntryProblem(`its password is stored in a form SiteVault cannot read (${JSON.stringify(encoding.slice(0, 20))})`);
  return passwordField(raw);
}

function candidateOf(server: XmlNode, entry: string): ImportCandidate {
  const notes: string[] = [];
  const protocol = protocolOf(textOf(server['Protocol']).trim(), notes);
  const host = hostField(textOf(server['Host']));
  const port = portField(textOf(server['Port']).trim(), protocol);
  const logon = textOf(server['Logontype']).trim();
  let user: string;
  let password: string | null = null;
  let identityFile: string | null = null;
  if (logon === '0') {
    user = 'anonymous';
    notes.push('An anonymous login: a site you back up normally has its own user.');
  } else {
    if (logon === '6') throw new EntryProblem('it logs in with an AWS profile, which SiteVault does not support');
    user = userField(textOf(server['User']));
    if (logon === '2' || logon === '3') notes.push('FileZilla asks for its password at each login: type it when you confirm the server.');
    else password = passwordOf(server, notes);
    if (logon === '4') notes.push('FileZilla sends an FTP account after the login; SiteVault does not.');
    if (logon === '5') {
      const keyfile = textField(textOf(server['Keyfile']).trim(), 'key file', 4096);
      if (keyfile && (isNetworkPath(keyfile) || !isAbsoluteLocalPath(keyfile))) {
        notes.push('Its key file is not a file on this computer (a network or relative path): choose the key file.');
      } else if (keyfile) {
        identityFile = keyfile;
        notes.push(`It logs in with the key file ${keyfile}: check that it is this site’s key and that it is on this computer.`);
        if (/\.ppk$/i.test(keyfile)) notes.push('It is a PuTTY key (.ppk): if SiteVault cannot read it, convert it to an OpenSSH key with PuTTYgen.');
      } else notes.push('It logs in with a key, but the file names none: choose the key file.');
      password = null;
    }
  }
  if (password === null && identityFile === null && logon !== '0' && !notes.some((n) => n.includes('password'))) notes.push('The file holds no password for it: type it when you confirm the server.');
  const folder = folderField(decodeFileZillaPath(textOf(server['RemoteDir'])));
  if (!folder) notes.push('No remote folder: the site is the login’s home folder. Check that it is the site’s own folder.');
  const name = siteNameOf(entry, host);
  return { entry, name, protocol, host, port, user, password, folder, identityFile, tags: [], notes };
}

/**
 * Sites from a FileZilla Site Manager export (sitemanager.xml, or an export from the Site
 * Manager). The file is hostile input: it is bounded, a DOCTYPE (entity declarations) is
 * refused, and each entry is checked on its own: a bad one is a problem, never a failure
 * of the whole file.
 */
export function parseFileZilla(content: string): ImportParseResult {
  checkImportSize(content);
  if (/<!DOCTYPE|<!ENTITY/i.test(content)) {
    throw new ApiError('BAD_REQUEST', 'The file declares a DOCTYPE or entities, which a FileZilla export never has: it is not read.');
  }
  let document: XmlNode;
  try {
    document = parser.parse(content, true) as XmlNode;
  } catch (error) {
    // Not the parser's message: it quotes the file, passwords included.
    const line = /line:?\s*(\d+)/i.exec((error as Error).message)?.[1];
    throw new ApiError('BAD_REQUEST', `The file is not valid XML${line ? ` (line ${line})` : ''}: check that it is the file FileZilla exported (File → Export).`);
  }
  const root = document['FileZilla3'];
  const servers = root && typeof root === 'object' ? (root as XmlNode)['Servers'] : undefined;
  if (!root || typeof root !== 'object') throw new ApiError('BAD_REQUEST', 'The file is not a FileZilla Site Manager export (it has no FileZilla3 element).');

  const candidates: ImportCandidate[] = [];
  const problems: ImportProblem[] = [];
  let seen = 0;
  const visit = (node: unknown, path: string[], depth: number): void => {
    if (!node || typeof node !== 'object') return;
    const container = node as XmlNode;
    for (const server of (container['Server'] as unknown[] | undefined) ?? []) {
      seen += 1;
      const own = server && typeof server === 'object' ? textOf((server as XmlNode)['Name']).trim() || textOf(server).trim() : '';
      const named = [...path, own || `site ${seen}`].join('/');
      const entry = named.replace(/[\p{Cc}]/gu, '?').slice(0, 200);
      if (seen > MAX_IMPORT_ENTRIES) continue;
      try {
        if (!server || typeof server !== 'object') throw new EntryProblem('it is empty');
        textField(named, 'name', 400);
        candidates.push(candidateOf(server as XmlNode, named));
      } catch (error) {
        if (!(error instanceof EntryProblem)) throw error;
        problems.push({ entry, reason: error.message });
      }
    }
    for (const folder of (container['Folder'] as unknown[] | undefined) ?? []) {
      const name = textOf(folder).trim() || 'folder';
      if (depth >= MAX_FOLDER_DEPTH) {
        problems.push({ entry: [...path, name].join('/').slice(0, 200), reason: `its folders are nested more than ${MAX_FOLDER_DEPTH} deep` });
        continue;
      }
      visit(folder, [...path, name], depth + 1);
    }
  };
  visit(servers, [], 0);
  if (seen > MAX_IMPORT_ENTRIES) problems.push({ entry: `${seen - MAX_IMPORT_ENTRIES} more sites`, reason: `one import takes at most ${MAX_IMPORT_ENTRIES} sites: import the rest from another file` });
  return { candidates, problems };
}
