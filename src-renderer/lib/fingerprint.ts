/**
 * A `SHA256:` fingerprint (base64, as SiteVault and ssh-keygen print it) in the colon-separated
 * hexadecimal that openssl and most hosting panels print for certificates; null if it is not one.
 */
export function hexFingerprint(fingerprint: string): string | null {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(fingerprint);
  if (!match) return null;
  const bytes = atob(`${match[1]}=`);
  return Array.from(bytes, (c) => c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()).join(':');
}
