import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectSsh } from '../../../src-main/core/backends/sftp-backend';
import { SourceFileError, type Source } from '../../../src-main/core/engine/source';
import { SftpSource } from '../../../src-main/core/sites/sftp-source';
import { SshShellSource } from '../../../src-main/core/sites/ssh-shell-source';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type SiteHost } from '../../harness/site-placement';

let harness: HarnessInfo;
beforeAll(async () => {
  harness = await loadHarnessInfo();
});

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

// The rest of a file after a cut, read over a new connection: what ReconnectingSource relies on.
describe.each([
  ['SSH with a shell', 'ssh-shell' as SiteHost],
  ['SFTP only', 'sftp-only' as SiteHost],
])('readFrom over %s', (_label, host) => {
  it('gives the file from the offset while it is the one listed; refuses it once its size or time changed', async () => {
    const placed = await placeSite(harness, host, `read-from-${host}`, { scale: 0.001 });
    const account = host === 'ssh-shell' ? harness.sshd!.shell : harness.sshd!.sftp;
    const { client } = await connectSsh(
      { host: '127.0.0.1', port: harness.sshd!.port, username: account.username },
      { password: account.password, hostKey: harness.sshd!.hostKeyFingerprint },
      { timeoutSeconds: 10 },
    );
    const source: Source = host === 'ssh-shell' ? new SshShellSource(client, placed.remotePath, 'test site') : await SftpSource.open(client, placed.remotePath, 'test site');
    try {
      const { entries } = await source.list();
      const files = entries.filter((e) => e.type === 'file' && e.size > 10_000).sort((a, b) => b.size - a.size);
      const [file, other] = files;
      expect(file && other, 'two files of some size').toBeTruthy();
      const onDisk = join(placed.diskPath, file!.path);
      const bytes = await readFile(onDisk);
      const offset = Math.floor(file!.size / 3);

      expect((await collect(source.readFrom!(file!, offset))).equals(bytes.subarray(offset))).toBe(true);
      expect(await collect(source.readFrom!(file!, file!.size))).toHaveLength(0);

      // The same size, a second later: another version of the file.
      await utimes(onDisk, new Date(), new Date(file!.mtime + 1_000));
      const touched = await collect(source.readFrom!(file!, offset)).catch((e: unknown) => e);
      expect(touched).toBeInstanceOf(SourceFileError);
      expect((touched as Error).message).toMatch(/changed while being read/);

      // The same time, another size.
      const otherPath = join(placed.diskPath, other!.path);
      await writeFile(otherPath, Buffer.concat([await readFile(otherPath), Buffer.from('more')]));
      await utimes(otherPath, new Date(), new Date(other!.mtime));
      const grown = await collect(source.readFrom!(other!, 10)).catch((e: unknown) => e);
      expect(grown).toBeInstanceOf(SourceFileError);
    } finally {
      client.end();
    }
  }, 60_000);
});
