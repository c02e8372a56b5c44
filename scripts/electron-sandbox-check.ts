/**
 * Whether Electron's Linux sandbox can start, decided from facts the caller gathers.
 *
 * Chromium sandboxes with unprivileged user namespaces, or else with its setuid helper
 * `chrome-sandbox`. Ubuntu 23.10 and later restrict unprivileged user namespaces with
 * AppArmor, so a checkout's Electron (whose helper npm unpacked as the user, without the
 * setuid bit) aborts before any window with "The SUID sandbox helper binary was found, but
 * is not configured correctly". Checked before `npm start` so the user gets the fix instead.
 */

export interface SandboxFacts {
  /** Did `unshare -Ur true` work? null: could not tell (no `unshare`), so nothing is claimed. */
  userNamespaces: boolean | null;
  /** The setuid helper next to the Electron binary, or null when it is missing. */
  helper: { path: string; uid: number; mode: number } | null;
  /** The helper's expected path (named in the message when it is missing). */
  helperPath: string;
  /** /proc/sys/kernel/apparmor_restrict_unprivileged_userns is 1. */
  apparmorRestricts: boolean;
}

export function helperIsSetuidRoot(helper: { uid: number; mode: number }): boolean {
  return helper.uid === 0 && (helper.mode & 0o4000) !== 0 && (helper.mode & 0o777) === 0o755;
}

/** The message that stops `npm start`, or null when the sandbox can start. */
export function sandboxProblem(facts: SandboxFacts): string | null {
  if (facts.userNamespaces !== false) return null;
  if (facts.helper && helperIsSetuidRoot(facts.helper)) return null;
  const why = facts.apparmorRestricts
    ? 'AppArmor restricts unprivileged user namespaces here (kernel.apparmor_restrict_unprivileged_userns = 1, as on Ubuntu 23.10 and later)'
    : 'unprivileged user namespaces are disabled here';
  const quoted = shellQuote(facts.helperPath);
  const fix = facts.helper
    ? [
        `Electron's setuid sandbox helper is not owned by root with mode 4755:`,
        `  ${facts.helperPath}`,
        `Give it that once (it lasts until node_modules/electron is installed again):`,
        `  sudo chown root:root ${quoted} && sudo chmod 4755 ${quoted}`,
      ]
    : [
        `Electron's setuid sandbox helper is missing: ${facts.helperPath}`,
        `Download Electron again with: rm -rf node_modules/electron/dist node_modules/electron/path.txt && npm start`,
        `then give the helper root ownership and mode 4755 as this message will say.`,
      ];
  return [
    `SiteVault's window cannot start: Electron's sandbox would abort it, because ${why}.`,
    ...fix,
    `Then run the same command again. Without sudo, \`npm run serve\` runs the same app in your browser.`,
  ].join('\n');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
