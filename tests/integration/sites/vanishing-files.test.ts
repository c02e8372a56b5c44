import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectSsh } from '../../../src-main/core/backends/sftp-backend';
import type { Source, SourceEntry, Warning } from '../../../src-main/core/engine/source';
import { SftpSource } from '../../../src-main/core/sites/sftp-source';
import { SshShellSource } from '../../../src-main/core/sites/ssh-shell-source';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';

let harness: HarnessInfo;
beforeAll(async () => {
  harness = await loadHarnessInfo();
});

async function shellSource(root: string, sftpOnly: boolean): Promise<Source> {
  const s = harness.sshd!;
  const account = sftpOnly ? s.sftp : s.shell;
  const { client } = await connectSsh({ host: s.host, port: s.port, username: account.username }, { password: account.password, hostKey: s.hostKeyFingerprint }, { timeoutSeconds: 10 });
  return sftpOnly ? SftpSource.open(client, root, 'test') : new SshShellSource(client, root, 'test');
}

describe.each([
  ['SSH with a shell (tar stream)', 'ssh-shell' as const],
  ['SFTP only', 'sftp-only' as const],
])('files that vanish after listing: %s', (_label, host) => {
  it('are reported as vanished and the others still arrive', async () => {
    const placed = await placeSite(harness, host, `vanish-${host}`, { scale: 0.001 });
    await writeFile(join(placed.diskPath, 'doomed.txt'), 'gone soon');
    const source = await shellSource(placed.remotePath, host === 'sftp-only');
    try {
      const { entries } = await source.list();
      const files = entries.filter((e) => e.type === 'file');
      expect(files.map((f) => f.path)).toContain('doomed.txt');
      await rm(join(placed.diskPath, 'doomed.txt'));
      const received: string[] = [];
      const problems: Warning[] = [];
      const consume = async (entry: SourceEntry, content: AsyncIterable<Buffer>) => {
        for await (const _ of content) void _;
        received.push(entry.path);
      };
      if (source.fetchMany) {
        await source.fetchMany(files, consume, (w) => problems.push(w));
      } else {
        for (const entry of files) {
          try {
            await consume(entry, source.read(entry));
          } catch (error) {
            problems.push({ path: entry.path, message: (error as Error).message });
          }
        }
      }
      expect(problems).toEqual([{ path: 'doomed.txt', message: 'vanished during the backup' }]);
      expect(received.length).toBe(files.length - 1);
    } finally {
      await source.close();
    }
  });
});
