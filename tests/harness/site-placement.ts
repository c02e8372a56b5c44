import { chown, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HarnessInfo } from './harness';
import { rootSql } from './mariadb';
import { generateDatabaseSql, generateSite, type GeneratedSite } from './site-generator';
import { FTP_SYSTEM_USER } from './ftpd';
import { run } from './system';
import { userIds } from './users';

export type SiteHost = 'ssh-shell' | 'sftp-only' | 'ftp';

export interface PlacedSite {
  site: GeneratedSite;
  /** The path a site URL names (absolute on the server, inside the chroot for chrooted users). */
  remotePath: string;
  /** Where it is on this machine's disk. */
  diskPath: string;
  database: string;
}

/** Puts a generated WordPress-like site (and its own database) where a server user can reach it. */
export async function placeSite(harness: HarnessInfo, host: SiteHost, name: string, options: { scale?: number; seed?: string } = {}): Promise<PlacedSite> {
  const db = harness.mariadb!;
  const database = `wp_${name.replace(/[^a-z0-9]/gi, '_')}`.slice(0, 60);
  let diskPath: string;
  let remotePath: string;
  let owner: string;
  if (host === 'ssh-shell') {
    diskPath = join(harness.sshd!.shell.home, 'sites', name);
    remotePath = diskPath;
    owner = harness.sshd!.shell.username;
  } else if (host === 'sftp-only') {
    diskPath = join(harness.sshd!.sftp.chroot, 'public_html', name);
    remotePath = `/public_html/${name}`;
    owner = harness.sshd!.sftp.username;
  } else {
    diskPath = join(harness.ftpd!.root, 'public_html', name);
    remotePath = `/public_html/${name}`;
    owner = FTP_SYSTEM_USER;
  }
  await rm(diskPath, { recursive: true, force: true });
  const site = await generateSite(diskPath, {
    seed: options.seed ?? name,
    scale: options.scale ?? 0.003,
    db: { host: db.host, port: db.port, name: database, user: db.wp.user, password: db.wp.password },
  });
  const ids = await userIds(owner);
  // The site alone, and its parent folder without what is in it: other test files place their
  // sites beside it at the same time, and a chown clears the setuid bits theirs may hold.
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, diskPath]);
  await chown(join(diskPath, '..'), ids.uid, ids.gid);
  await rootSql(db, `DROP DATABASE IF EXISTS \`${database}\`; CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4;`);
  await rootSql(db, generateDatabaseSql({ seed: name, scale: 0.01 }), database);
  return { site, remotePath, diskPath, database };
}
