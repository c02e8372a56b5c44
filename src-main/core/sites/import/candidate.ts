import { ApiError } from '../../contract/errors';
import type { RemoteProtocol } from '../../backends/location';

import { MAX_IMPORT_BYTES } from '../../contract/import-limits';

export { MAX_IMPORT_BYTES, MAX_IMPORT_ENTRIES } from '../../contract/import-limits';
/** A site name's longest form (the contract's `site:save` takes at most 40 characters). */
export const MAX_SITE_NAME = 40;

/** A site found in an import file, checked field by field, not saved yet. */
export interface ImportCandidate {
  /** How the file names the entry ("Clients/Acme", "line 4"), for the summary. */
  entry: string;
  /** A valid site name made from the entry (not yet checked against the saved sites). */
  name: string;
  protocol: RemoteProtocol;
  host: string;
  port: number;
  user: string;
  /** null: the file holds none (asked at login, master-password protected, key login). */
  password: string | null;
  /** Absolute on the server, or '' for the login's home. */
  folder: string;
  identityFile: string | null;
  /** The destination the file names for it (CSV); undefined: the import's own. */
  destination?: string;
  tags: string[];
  /** What the user must look at, found in the file itself (plain FTP, a password not saved…). */
  notes: string[];
}

export interface ImportProblem {
  entry: string;
  reason: string;
}

export interface ImportParseResult {
  candidates: ImportCandidate[];
  problems: ImportProblem[];
}

/** One entry's field that cannot be used: the entry is skipped with this reason. */
export class EntryProblem extends Error {}

// C0/C1 controls, and the bidirectional overrides that make a name read other than it is.
const CONTROL = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The whole file is refused: too large, or not the format it says. */
export function checkImportSize(content: string): void {
  if (Buffer.byteLength(content, 'utf8') > MAX_IMPORT_BYTES) {
    throw new ApiError('TOO_LARGE', `The import file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: split it, or export fewer sites at once.`);
  }
}

export function textField(value: string, label: string, max: number): string {
  if (CONTROL.test(value)) throw new EntryProblem(`its ${label} holds control characters`);
  if (value.length > max) throw new EntryProblem(`its ${label} is longer than ${max} characters`);
  return value;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const IPV6 = /^\[?([0-9A-Fa-f:.]{2,45})\]?$/;

/** A host name or IP address, never anything a URL or a command line could read as more. */
export function hostField(value: string): string {
  const host = textField(value.trim(), 'host', 253);
  if (!host) throw new EntryProblem('it has no host');
  if (HOST_NAME.test(host)) return host;
  const v6 = IPV6.exec(host);
  if (v6 && v6[1]!.includes(':')) return `[${v6[1]}]`;
  throw new EntryProblem(`its host ${JSON.stringify(host)} is not a host name or an IP address`);
}

export function portField(value: string | number | undefined, protocol: RemoteProtocol): number {
  if (value === undefined || value === '' || value === 0 || value === '0') return protocol === 'sftp' ? 22 : 21;
  const port = typeof value === 'number' ? value : /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EntryProblem(`its port ${JSON.stringify(String(value))} is not a number from 1 to 65535`);
  return port;
}

export function userField(value: string): string {
  const user = textField(value.trim(), 'user name', 200);
  if (!user) throw new EntryProblem('it has no user name');
  return user;
}

/** A password is kept as it is (spaces count), but bounded and never with a line break or NUL. */
export function passwordField(value: string): string {
  if (/[\0\r\n]/.test(value)) throw new EntryProblem('its password holds control characters');
  if (value.length > 1000) throw new EntryProblem('its password is longer than 1000 characters');
  return value;
}

/** '' for the home folder, else an absolute path without `.` or `..` segments. */
export function folderField(value: string): string {
  const folder = textField(value.trim(), 'folder', 1000);
  if (folder === '' || folder === '~' || folder === '/~') return '';
  if (folder.split('/').some((segment) => segment === '..' || segment === '.')) throw new EntryProblem('its folder holds . or .. segments');
  if (folder.startsWith('/')) return folder.replace(/\/+$/, '') || '/';
  return folder.replace(/^~\//, '').replace(/\/+$/, '');
}

/**
 * A valid site name from an entry's name: no slashes (a folder "Clients/Acme" becomes
 * "Clients-Acme"), no control characters, spaces folded, at most 40 characters.
 */
export function siteNameOf(entryName: string, fallback: string): string {
  const cleaned = entryName
    .replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/[/\\]+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[-.\s]+|[-\s]+$/g, '');
  const name = cleaned || fallback.replace(/[[\]:]/g, '-');
  return name.slice(0, MAX_SITE_NAME).trim();
}

/** The address `site:save` takes: the folder absolute, or `/~/…` inside the login's home. */
export function siteUrlOf(candidate: Pick<ImportCandidate, 'protocol' | 'user' | 'host' | 'port' | 'folder'>): string {
  const path = candidate.folder.startsWith('/') ? candidate.folder : `/~/${candidate.folder}`.replace(/\/$/, '');
  return `${candidate.protocol}://${encodeURIComponent(candidate.user)}@${candidate.host}:${candidate.port}${path.split('/').map(encodeURIComponent).join('/')}`;
}
