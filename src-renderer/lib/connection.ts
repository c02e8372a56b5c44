/** The connection settings of the wizards (JetBackup's form), and the URL they make. */
export type Protocol = 'sftp' | 'ftp' | 'ftps';

export interface ConnectionForm {
  protocol: Protocol;
  name: string;
  host: string;
  port: number;
  username: string;
  password: string;
  folder: string;
  timeoutSeconds: number;
  maxRetries: number;
  maxConnections: number;
  passive: boolean;
}

export function emptyConnection(protocol: Protocol = 'sftp'): ConnectionForm {
  return { protocol, name: '', host: '', port: protocol === 'sftp' ? 22 : 21, username: '', password: '', folder: '', timeoutSeconds: 30, maxRetries: 5, maxConnections: 0, passive: true };
}

/** A folder starting with "/" is absolute on the server; anything else is inside the login's home. */
export function connectionUrl(form: ConnectionForm): string {
  const folder = form.folder.trim();
  const path = folder.startsWith('/') ? folder : `/~/${folder.replace(/^\/+/, '')}`;
  return `${form.protocol}://${encodeURIComponent(form.username.trim())}@${form.host.trim()}:${form.port}${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** What is wrong with the form, field by field, checked as the user types. */
export function connectionProblems(form: ConnectionForm): Partial<Record<keyof ConnectionForm, string>> {
  const problems: Partial<Record<keyof ConnectionForm, string>> = {};
  const name = form.name.trim();
  if (!name) problems.name = 'A name is required.';
  else if (name.length > 40) problems.name = `At most 40 characters (this one has ${name.length}).`;
  else if (/[/\\]/.test(name)) problems.name = 'A name cannot contain slashes.';
  if (!form.host.trim()) problems.host = 'The server’s host name or address is required.';
  else if (/[\s/@:]/.test(form.host.trim())) problems.host = 'Only the host name, without protocol, user or port.';
  if (!Number.isInteger(form.port) || form.port < 1 || form.port > 65535) problems.port = 'A port is a number from 1 to 65535.';
  if (!form.username.trim()) problems.username = 'The user name is required.';
  if (!Number.isInteger(form.timeoutSeconds) || form.timeoutSeconds < 1) problems.timeoutSeconds = 'At least 1 second.';
  if (!Number.isInteger(form.maxRetries) || form.maxRetries < 0) problems.maxRetries = 'A whole number, 0 or more.';
  if (!Number.isInteger(form.maxConnections) || form.maxConnections < 0) problems.maxConnections = 'A whole number; 0 means unlimited.';
  return problems;
}

/** The form of a saved site or destination, from its address and settings (the password stays in the keychain: empty). */
export function connectionFromSettings(name: string, url: string, settings: { timeoutSeconds?: number; maxRetries?: number; maxConnections?: number; passive?: boolean } = {}): ConnectionForm {
  const parsed = new URL(url);
  const protocol = parsed.protocol.slice(0, -1) as Protocol;
  const base = emptyConnection(protocol);
  const path = parsed.pathname.split('/').map(decodeURIComponent).join('/');
  return {
    ...base,
    name,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : base.port,
    username: decodeURIComponent(parsed.username),
    folder: path.startsWith('/~/') ? path.slice(3) : path === '/~' ? '' : path,
    timeoutSeconds: settings.timeoutSeconds ?? base.timeoutSeconds,
    maxRetries: settings.maxRetries ?? base.maxRetries,
    maxConnections: settings.maxConnections ?? base.maxConnections,
    passive: settings.passive ?? base.passive,
  };
}

/** Whether two forms reach the same server (protocol, host, port), so a key or certificate confirmed for one holds for the other. */
export function sameServer(a: Pick<ConnectionForm, 'protocol' | 'host' | 'port'>, b: Pick<ConnectionForm, 'protocol' | 'host' | 'port'>): boolean {
  return a.protocol === b.protocol && a.host.trim().toLowerCase() === b.host.trim().toLowerCase() && a.port === b.port;
}

/** The server part of an address (protocol, user, host, port), in lower case: what a confirmed key or certificate belongs to. */
export function serverOf(url: string): string {
  return url.replace(/^([a-z0-9]+:\/\/[^/]*).*$/i, '$1').toLowerCase();
}
