import type { ClientApi } from '../../src-main/core/contract/operations';

export type SiteCheckResult = Awaited<ReturnType<ClientApi['siteCheck']>>;

/** A site's database given by hand: where its server is, its name, and the login the dump uses. */
export interface DatabaseForm {
  host: string;
  port: string;
  name: string;
  user: string;
  password: string;
}

/** The database as the contract takes it, or the problem with the form. */
export function databaseOf(form: DatabaseForm): { host: string; port: number | null; socket: null; name: string; user: string } | string {
  const port = form.port.trim();
  if (port && !/^\d{1,5}$/.test(port)) return 'The database port is a number (3306 by default).';
  if (!form.name.trim() || !form.user.trim()) return 'Give the database’s name and user.';
  return { host: form.host.trim() || 'localhost', port: port ? Number(port) : null, socket: null, name: form.name.trim(), user: form.user.trim() };
}

/** What the Verify step found, for the user: each finding with its tone, and whether the site may be saved so. */
export interface CheckVerdict {
  /** The site can be saved as it is set now. */
  ok: boolean;
  findings: Array<{ tone: 'ok' | 'warn' | 'error'; text: string }>;
  /** What works instead: back up the files alone, or give the database another way. */
  offers: Array<'files-only' | 'enter-database' | 'pick-folder'>;
}

const ACCESS = { shell: 'SSH with a shell', 'sftp-only': 'SFTP only, no shell', ftp: 'FTP (file transfer only)' } as const;

export function checkVerdict(check: SiteCheckResult): CheckVerdict {
  const { folder, wpConfig, access, database: db } = check;
  if (!folder.exists) {
    return {
      ok: false,
      findings: [{ tone: 'error', text: `The folder ${folder.path} does not exist on the server. Pick the site’s folder with Browse the server’s folders, or correct it on the first step.` }],
      offers: ['pick-folder'],
    };
  }
  const findings: CheckVerdict['findings'] = [{ tone: 'ok', text: `The folder ${folder.path} exists (access: ${ACCESS[access]}).` }];
  const what = db.name ? `The database ${db.name} (${db.user}@${db.host})` : 'The database';
  switch (db.state) {
    case 'none':
      findings.push({ tone: 'warn', text: 'Files only: the database will not be backed up. A WordPress site cannot be restored whole from its files alone.' });
      return { ok: true, findings, offers: [] };
    case 'reachable':
      findings.push({ tone: 'ok', text: `wp-config.php found. ${what} answers over SSH, the way backups will dump it.` });
      return { ok: true, findings, offers: [] };
    case 'unreachable':
      findings.push({ tone: 'error', text: `${what} cannot be reached over SSH: ${db.message ?? 'no reason given'}.` });
      return { ok: false, findings, offers: ['enter-database', 'files-only'] };
    case 'no-shell':
      findings.push({
        tone: 'error',
        text: `${what} is named in wp-config.php, but this login cannot run commands (${ACCESS[access]}), and the database is dumped by a command on the server. Use an SSH login with a shell (ask your host), or back up the files alone.`,
      });
      return { ok: false, findings, offers: ['files-only'] };
    case 'not-found':
      findings.push({
        tone: 'error',
        text: wpConfig
          ? 'wp-config.php is here, but no database could be read from it (or wp-content is missing). Enter the database’s details, or back up the files alone.'
          : `There is no wp-config.php in ${folder.path}: this is not a WordPress site’s folder, so there is no database to find. Pick the folder that holds wp-config.php, or back up the files alone.`,
      });
      return { ok: false, findings, offers: wpConfig ? ['enter-database', 'files-only'] : ['pick-folder', 'files-only'] };
  }
}
