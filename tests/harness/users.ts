import { randomBytes } from 'node:crypto';
import { run } from './system';

/**
 * A password with the characters that break naive quoting (quotes, dollar, hash, bang),
 * different on every harness start. Never a backslash, colon or newline: the system
 * tools that set passwords read `user:password` lines.
 */
export function testPassword(label: string): string {
  return `${label}-${randomBytes(9).toString('base64url')}'"$#!`;
}

async function userExists(name: string): Promise<boolean> {
  const result = await run('id', ['-u', name], { allowFailure: true });
  return result.code === 0;
}

export async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  return { uid, gid };
}

/** Creates (or reuses) a system user and sets its password through stdin. */
export async function ensureUser(name: string, options: { home: string; shell: string; createHome: boolean; password?: string }): Promise<{ uid: number; gid: number }> {
  if (!(await userExists(name))) {
    await run('useradd', [options.createHome ? '-m' : '-M', '-d', options.home, '-s', options.shell, name]);
  } else {
    await run('usermod', ['-d', options.home, '-s', options.shell, name]);
  }
  if (options.password !== undefined) await run('chpasswd', [], { input: `${name}:${options.password}\n` });
  return userIds(name);
}
