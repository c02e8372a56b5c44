import { hintKeyOf, type ErrorPayload, type HintKey } from '../core/contract/errors';

/** The next step in the CLI's words (its commands and flags), by the core's hint. */
const HINTS: Record<HintKey, string> = {
  'create-repository': 'Create one with: sitevault init --repo REPO',
  'check-site-name': 'Check the spelling; sitevault site list shows the saved sites.',
  'check-destination-name': 'Check the spelling; sitevault destination list shows the saved destinations.',
  'repair-index': 'Rebuild the index first: sitevault repair index --repo REPO',
  'files-alone': 'Do it for the files alone with --files-only (or set the site’s database to none with --db none).',
  'give-site-database': 'Give the site its database: sitevault site add NAME … --db mysql://user@host/name --db-password-env VAR; or use --files-only.',
  'give-old-url': 'Give the old address with --old-url URL.',
  'confirm-host-key': 'Once checked, pass --host-key with that value (or --accept-new-host-key).',
  'confirm-certificate': 'Check the certificate with the server’s owner, then pin it with --tls-fingerprint SHA256:… (or --accept-new-host-key), or give the CA that issued it with --ca.',
  'local-folder-source': 'Back up a folder on this computer with: sitevault backup --repo REPO --source DIR',
  'database-only': 'Add --db-only for the database dump alone.',
  'check-source-folder': 'Check the folder: sitevault site show NAME shows a saved site’s address (save it again with the right --url); for --source, give an existing folder.',
  'check-folder-permissions': 'Check that the login may open and list that folder (its owner and permissions on the server), then run the backup again.',
  'give-login-secret':
    'Give the password in an environment variable (--password-env VAR for a saved site or destination; SITEVAULT_REPO_PASSWORD or SITEVAULT_SOURCE_PASSWORD otherwise), or a key file with --identity.',
  'check-login': 'Check the user name and password or key with your host; if they changed, save them with sitevault site edit NAME --password-env VAR (or destination edit).',
  'check-server-reachable': 'Check that the server is up and that its address and port are right (your host’s control panel shows them); a firewall or VPN may block the port.',
  'accept-database-settings': 'Check wp-config.php on the server; once you know the change is yours, accept it with: sitevault site accept-database NAME',
  's3-keys':
    'The keys come from SITEVAULT_S3_ACCESS_KEY_ID and SITEVAULT_S3_SECRET_ACCESS_KEY, or for a saved destination from the keychain (save it again with: sitevault destination add NAME --url s3://… --access-key-id-env VAR --secret-key-env VAR).',
  's3-bucket': 'Check the bucket in the s3:// location and the endpoint (--s3-endpoint, or --endpoint for a saved destination); SiteVault does not create buckets.',
  's3-region': 'Give the bucket’s region with --s3-region (or --region for a saved destination).',
  's3-certificate': 'If the service uses a CA of its own (a self-hosted server), give its certificate with --ca FILE.',
  'edit-or-rename-site': 'Change that site with sitevault site edit NAME [options], remove it with sitevault site remove NAME, or add this one under another name.',
  'read-again': 'Run the command again: it reads the saved settings afresh.',
  'move-sites-first': 'Give those sites another destination first (sitevault site edit NAME --destination OTHER, or --no-copy for a second destination).',
  'edit-or-rename-destination': 'Change that destination with sitevault destination edit NAME [options], or add this one under another name.',
  'check-server-name': 'Check the spelling of the host in the address (--url); your host’s control panel shows it.',
  'check-port': 'Check the port in the address (SFTP is usually 22, FTP 21; your host’s control panel shows it) and that the server is up.',
  'choose-sftp': 'Give an sftp:// address for this port.',
  'choose-ftp': 'Give an ftp:// or ftps:// address for this port.',
};

export function cliHint(error: { code: string; hint?: ErrorPayload['hint'] }): string | null {
  const key = hintKeyOf(error);
  return key ? HINTS[key] : null;
}
