import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';

// Review r1, point 3: the SSH key file and the CA file the user chose were read whole, whatever
// their size. A file picked by mistake (a disk image) is refused at 1 MiB with an error naming it.
let harness: HarnessInfo;
let home: string;
let big: string;
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: 'key file passphrase',
  FTP_PASSWORD: harness.ftpd!.password,
  SITEVAULT_REPO_PASSWORD: harness.ftpd!.password,
});
const { sv } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-key-size-'));
  big = join(home, 'backup.img');
  // A real key first, so only the size can be the reason it is refused.
  const { readFile } = await import('node:fs/promises');
  const key = await readFile(harness.sshd!.sftp.privateKeyPath);
  await writeFile(big, Buffer.concat([key, Buffer.alloc(2 * 1024 * 1024, 0x0a)]));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('key and CA files the user chose are bounded', () => {
  it('an SSH key file over 1 MiB fails the backup with TOO_LARGE naming the file', async () => {
    const placed = await placeSite(harness, 'sftp-only', 'key-file-size');
    const url = `sftp://${harness.sshd!.sftp.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    expect((await sv(['init', '--repo', join(home, 'repo')])).code).toBe(0);
    expect((await sv(['site', 'add', 'Big Key', '--url', url, '--identity', big, '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none'])).code).toBe(0);
    const result = await sv(['backup', '--repo', join(home, 'repo'), '--site', 'Big Key']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The key file ${big} holds more than 1 MiB; a key file is at most 1 MiB.`);
    expect(result.stderr).toMatch(/\[TOO_LARGE\]/);
  });

  it('a CA file over 1 MiB fails an FTPS repository with TOO_LARGE naming the file', async () => {
    const url = `ftps://${harness.ftpd!.username}@127.0.0.1:${harness.ftpd!.port}/key-file-size`;
    const result = await sv(['init', '--repo', url, '--ca', big]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`The CA file ${big} holds more than 1 MiB; a CA file is at most 1 MiB.`);
    expect(result.stderr).toMatch(/\[TOO_LARGE\]/);
  });
});
