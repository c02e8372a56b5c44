/** Exit codes of the `sitevault` command: a contract other tools rely on. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_DAMAGE = 3;

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: sitevault <command> [options]

Commands:
  serve [--port N]        Run the app headless; prints the address to open in a browser.
  info [--json]           Show the version, data folder and keychain status.
  init --repo REPO        Create an encrypted repository.
  backup --repo REPO --source DIR [--site NAME] [--time ISO8601] [--tag T]... [--json]
  backup --repo REPO --site NAME [--files-only|--db-only] [--json]       A saved site.
  backup --repo REPO --source sftp://…|ftp://…|ftps://… [--db auto|none] [--json]
         (secrets: SITEVAULT_SOURCE_PASSWORD, SITEVAULT_DB_PASSWORD; trust: --source-host-key,
          --accept-new-source-host-key, --source-identity, --source-ca, --source-tls-fingerprint)
  snapshots --repo REPO [--site NAME] [--json]
  ls --repo REPO SNAPSHOT [PATH] [-r] [--json]
  restore --repo REPO SNAPSHOT --target DIR [--path P]... [--json]
  restore --repo REPO SNAPSHOT --to-site NAME [--files-only|--db-only] [--path P]... [--delete]
         [--dry-run] [--json] [--new-url https://…] [--old-url URL] [--no-safety-snapshot]
         Restores to a live site, transferring only what differs, after a safety snapshot
         (restore that one with --delete to undo). Run the same command again to resume.
         "latest" here is the site's latest backup; a copy from another site takes an id.
  dump --repo REPO SNAPSHOT PATH          One file to standard output.
  download --repo REPO SNAPSHOT --out FILE.zip|FILE.tar.gz|FILE.tar|DIR [--path P]... [--db-only]
         [--format zip|tar.gz|tar|sql|folder] [--json]   An archive (or folder) of the snapshot,
         some of its paths, or its database dump alone (--db-only; --out dump.sql for bare SQL).
  diff --repo REPO SNAP1 SNAP2 [--json]
  check --repo REPO [--read-data[=PERCENT]] [--json]    Exit 3 when damage is found.
  forget --repo REPO [--site NAME] [--keep-last N] [--keep-hourly N] [--keep-daily N]
         [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--prune] [--dry-run] [--json]
  prune --repo REPO       Remove data no snapshot needs; repack mostly-unused packs.
  copy --repo REPO --to REPO2 [--site NAME]   Copy snapshots, transferring only missing data.
  key list|add|passwd|remove --repo REPO      Manage the repository's passphrases.
  repair index --repo REPO                    Rebuild the index from the pack headers.
  destination add NAME --url URL [--password-env VAR] [--passphrase-env VAR] [--identity FILE]
         [--key-passphrase-env VAR] [--host-key SHA256:…|--accept-new-host-key] [--ca FILE|--tls-fingerprint SHA256:…]
         [--timeout S] [--max-retries N] [--max-connections N] [--active]
  destination list [--json] | destination remove NAME
  site add NAME --url sftp://user@host:port/abs/path|ftp://…|ftps://… [--password-env VAR | --identity FILE]
         [--host-key SHA256:…|--accept-new-host-key] [--ca FILE|--tls-fingerprint SHA256:…]
         [--db auto|none|mysql://user@host:port/dbname] [--db-password-env VAR] [--staging] [--exclude PATTERN]... [--destination NAME]
         [--copy-to NAME [--copy-daily-at HH:MM]]   (a second destination new snapshots are copied
         to: after each backup, or once a day at the given time)
         [--scratch-db NAME]   (an empty database on the site's server that test restores import into)
         [--files-at HH:MM] [--files-weekly DAY] [--files-cron "M H DOM MON DOW"] [--db-every-hours N]
         (production default: files daily at 02:00, database every 6 h)
         [--no-wordpress-excludes] [--timeout S] [--max-retries N] [--max-connections N] [--active] [--reread-every N]
  site list [--json] | site show NAME [--json] | site remove NAME
  site test NAME [--json]     Connects; reports shell, WordPress, database and exclusions.
  run-due [--now ISO8601] [--dry-run] [--json]
         Runs every scheduled backup that is due (a missed one runs once), reads back a sample
         of what each wrote, applies each site's retention, copies to its second destination,
         prunes each destination at most weekly, runs the scheduled check (weekly, reading 5%
         of the data by default) and sends the email report when one is set. For cron or a
         systemd timer; exits 1 when a backup failed or a check found damage.
  help                    Show this help.

REPO is a local folder, sftp://user@host:port/path, ftp://user@host:port/path,
ftps://user@host:port/path (explicit TLS), or a saved destination's name (its secrets come
from the keychain). SNAPSHOT is an id prefix or "latest".
Remote options: --identity FILE, --host-key SHA256:..., --accept-new-host-key,
  --ca FILE, --tls-fingerprint SHA256:...

Options:
  --version               Print the version.

Environment:
  SITEVAULT_HOME          Folder for settings and the catalog (default: the platform's app-data folder).
  SITEVAULT_PASSPHRASE    The repository passphrase (never taken from the command line).
  SITEVAULT_NEW_PASSPHRASE  The new passphrase for key add/passwd.
  SITEVAULT_REPO_PASSWORD The destination server's login password.
  SITEVAULT_TO_PASSPHRASE, SITEVAULT_TO_REPO_PASSWORD  The same for copy's destination.
  SITEVAULT_KEY_PASSPHRASE  The passphrase of an encrypted --identity key.
`;
