import { hintKeyOf, type ErrorPayload, type HintKey } from '../../src-main/core/contract/errors';

/** The next step in the app's words (its screens and buttons), by the core's hint. No command line here. */
const HINTS: Record<HintKey, string> = {
  'create-repository': 'Check the destination’s folder; if it is right and new, use Create the repository on the Destinations screen.',
  'check-site-name': 'Check the spelling of the site’s name in Sites.',
  'check-destination-name': 'Check the spelling of the destination’s name in Destinations.',
  'repair-index': 'Run Check now on this destination; its index must be rebuilt before space can be freed.',
  'files-alone': 'Choose the files alone, or set the site’s database to none in its settings.',
  'give-site-database': 'Give the site its database in its settings, or restore the files alone.',
  'give-old-url': 'Enter the site’s old address.',
  'confirm-host-key': 'Use Test the connection, compare the key with what your host shows, and confirm it.',
  'confirm-certificate': 'Use Test the connection, compare the certificate with what your host shows, and confirm it.',
  'local-folder-source': 'A site is reached over SFTP, FTPS or FTP.',
  'database-only': 'Choose the database alone for a .sql file.',
  'check-source-folder': 'Check the site’s folder in its settings: the folder picker shows the server’s folders.',
  'check-folder-permissions': 'Check that the site’s login may open and list that folder (its owner and permissions on the server), then back up again.',
  'give-login-secret': 'Enter its password or choose a key file in its settings.',
  'check-login': 'Check the user name and password or key with your host.',
  'check-server-reachable': 'Check that the server is up and that its address and port are right (your host’s control panel shows them); a firewall or VPN may block the port.',
  'accept-database-settings': 'Check wp-config.php on the server; once you know the change is yours, use “Accept the new database” on the site’s card.',
  's3-keys':
    'Copy both keys again from your provider’s console (AWS: IAM access keys; Backblaze B2: Application Keys; Cloudflare R2: API tokens; Wasabi: Access Keys) into the destination’s Access key ID and Secret access key.',
  's3-bucket': 'Check the Bucket and the Endpoint of the destination; if the bucket is new, create it in your provider’s console first (SiteVault does not create buckets).',
  's3-region': 'Correct the destination’s Region: Cloudflare R2 uses auto; Backblaze B2 and Wasabi show it in the endpoint’s address.',
  's3-certificate': 'If the service uses a certificate of its own (a MinIO server in the office), give its CA certificate file under Advanced.',
  'edit-or-rename-site': 'Choose another name for this site, or cancel and use Edit on the card of the site that has this name.',
  'read-again': 'Cancel, open it again to see the settings as they are now, and redo your change.',
  'move-sites-first': 'Choose another destination for those sites first (Edit on each site’s card).',
  'edit-or-rename-destination': 'Choose another name for this destination, or cancel and use Edit on the destination that has this name.',
  'check-server-name': 'Check the spelling of the server’s name (your host’s control panel shows it).',
  'check-port': 'Check the port (SFTP is usually 22, FTP 21; your host’s control panel shows it) and that the server is up.',
  'choose-sftp': 'Choose SFTP as the protocol for this port.',
  'choose-ftp': 'Choose FTP or FTPS as the protocol for this port.',
};

export function appHint(error: { code: string; hint?: ErrorPayload['hint'] }): string | null {
  const key = hintKeyOf(error);
  return key ? HINTS[key] : null;
}
