/**
 * A restore over a root login writes every file as root: what the snapshot holds lands owned by
 * root, not by the site's own user. The login is root when the site's URL names `root` or a
 * shell says its user id is 0 (`id -u`, asked when the connection opens).
 */
export function rootLoginWarning(site: string, username: string, uid: number | null): string | null {
  if (username !== 'root' && uid !== 0) return null;
  const who = username === 'root' ? 'root' : `${username}, user id 0`;
  return `${site} is reached as ${who}: the restored files will belong to root, not to the site's own user, and the web server may not be able to change them. Setuid and setgid bits are never restored. Prefer the site's own account for restores.`;
}
