import { link, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { run } from '../../harness/system';
import { userIds } from '../../harness/users';

// Review r1, point 4: the backup's tar over SSH stored the second name of a hard-linked file as
// a link entry ('1'). The reader takes regular files only, so that name was missing from the
// snapshot ("not sent by the server"); with --hard-dereference every name is stored as a file,
// and no link entry reaches a snapshot or a restore.
let harness: HarnessInfo;
let home: string;
let site: string;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'hard link passphrase' });
const { sv, json } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-hard-links-'));
  site = join(harness.sshd!.shell.home, 'sites', 'hard-links');
  await rm(site, { recursive: true, force: true });
  await mkdir(join(site, 'uploads'), { recursive: true });
  await writeFile(join(site, 'index.php'), '<?php echo "first name";\n');
  await link(join(site, 'index.php'), join(site, 'uploads', 'second-name.php'));
  await link(join(site, 'index.php'), join(site, 'third-name.php'));
  const ids = await userIds(harness.sshd!.shell.username);
  await run('chown', ['-R', `${ids.uid}:${ids.gid}`, site]);
  expect((await sv(['init', '--repo', join(home, 'repo')])).code).toBe(0);
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${site}`;
  expect((await sv(['site', 'add', 'Hard Links', '--url', url, '--identity', harness.sshd!.shell.privateKeyPath, '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
});
afterAll(async () => {
  await rm(site, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('hard links in a site backed up over SSH', () => {
  it('every name of a hard-linked file is stored as a whole file, and restores as a separate file', async () => {
    const backup = await json(['backup', '--repo', join(home, 'repo'), '--site', 'Hard Links', '--json']);
    expect(backup.warnings).toEqual([]);
    const rows: Array<{ path: string; type: string; size: number }> = await json(['ls', '--repo', join(home, 'repo'), backup.id, '--recursive', '--json']);
    const files = Object.fromEntries(rows.filter((r) => r.type === 'file').map((r) => [r.path, r.size]));
    expect(files).toEqual({ 'index.php': 25, 'uploads/second-name.php': 25, 'third-name.php': 25 });
    const target = join(home, 'restored');
    expect((await sv(['restore', '--repo', join(home, 'repo'), backup.id, '--target', target])).code).toBe(0);
    for (const name of ['index.php', 'uploads/second-name.php', 'third-name.php']) {
      expect(await readFile(join(target, name), 'utf8')).toBe('<?php echo "first name";\n');
      expect((await lstat(join(target, name))).nlink).toBe(1);
    }
  });
});
