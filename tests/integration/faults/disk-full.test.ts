import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

const PASS = 'disk full passphrase';
let harness: HarnessInfo;
let work: string;
let source: string;
const mounts: string[] = [];
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: join(work, 'home'),
  SITEVAULT_PASSPHRASE: PASS,
  SITEVAULT_REPO_PASSWORD: harness.sshd!.sftp.password,
  ...extra,
});
const { sv, json } = cliWith(env);

/** A small filesystem of its own (tmpfs), so filling it touches nothing else. */
async function smallDisk(path: string, size: string, owner?: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', path]);
  mounts.push(path);
  if (owner) {
    const ids = await userIds(owner);
    await chown(path, ids.uid, ids.gid);
  }
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), path);
      else out.push(path);
    }
  };
  await walk(root, '');
  return out;
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  work = await mkdtemp(join(tmpdir(), 'sv-full-'));
  // 6 MB that does not compress: more than the small disks hold.
  source = join(work, 'site');
  await mkdir(source, { recursive: true });
  for (let i = 0; i < 12; i++) await writeFile(join(source, `upload-${i}.bin`), randomBytes(512 * 1024));
  await writeFile(join(source, 'index.php'), '<?php echo "hello";');
});
afterAll(async () => {
  for (const path of mounts.reverse()) await run('umount', ['-l', path]).catch(() => {});
  await rm(work, { recursive: true, force: true });
});

describe('a destination whose disk is full', () => {
  it.each([
    [
      'a local folder',
      async () => {
        const disk = join(work, 'small-local');
        await smallDisk(disk, '2m');
        return { repo: join(disk, 'repo'), local: join(disk, 'repo') };
      },
    ],
    [
      'an SFTP server',
      async () => {
        const name = `full-${Date.now()}`;
        const disk = join(harness.sshd!.sftp.chroot, 'backups', name);
        await smallDisk(disk, '2m', harness.sshd!.sftp.username);
        return { repo: `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}/backups/${name}/repo`, local: join(disk, 'repo') };
      },
    ],
  ])(
    'on %s: a clear NO_SPACE error, no snapshot, nothing half-written, and the repository still checks',
    async (_label, prepare) => {
      const { repo, local } = await prepare();
      const trust = repo.startsWith('sftp://') ? ['--host-key', harness.sshd!.hostKeyFingerprint] : [];
      expect((await sv(['init', '--repo', repo, ...trust])).code).toBe(0);
      const backup = await sv(['backup', '--repo', repo, '--source', source, ...trust]);
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/full \(.*\) while writing .*\[NO_SPACE\]/);
      expect(backup.stderr).not.toContain(harness.sshd!.sftp.password);
      expect(await json(['snapshots', '--repo', repo, '--json', ...trust])).toEqual([]);
      // No temporary object is left behind, and every object there is whole: check reads them all.
      expect((await filesUnder(local)).filter((f) => /\.tmp/.test(f))).toEqual([]);
      const check = await sv(['check', '--repo', repo, '--read-data', ...trust]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    },
    120_000,
  );
});
