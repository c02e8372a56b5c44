import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FtpdInfo } from '../../harness/ftpd';
import { loadHarnessInfo } from '../../harness/harness';

let ftpd: FtpdInfo;
beforeAll(async () => {
  const info = await loadHarnessInfo();
  if (!info.ftpd) throw new Error('harness started without pure-ftpd');
  ftpd = info.ftpd;
});

async function login(secure: boolean, ca?: Buffer): Promise<Client> {
  const client = new Client(10_000);
  await client.access({
    host: ftpd.host,
    port: ftpd.port,
    user: ftpd.username,
    password: ftpd.password,
    secure,
    secureOptions: ca ? { ca, servername: 'localhost' } : undefined,
  });
  return client;
}

describe('harness pure-ftpd (real FTP server)', () => {
  it('lists the virtual user root over plain FTP', async () => {
    const client = await login(false);
    try {
      const names = (await client.list('/')).map((entry) => entry.name).sort();
      expect(names).toEqual(expect.arrayContaining(['backups', 'public_html']));
    } finally {
      client.close();
    }
  });

  it('lists and round-trips a file over explicit FTPS, validating with the CA', async () => {
    const client = await login(true, await readFile(ftpd.caFile));
    const local = await mkdtemp(join(tmpdir(), 'sv-ftps-'));
    try {
      expect(client.ftp.socket.constructor.name).toBe('TLSSocket');
      const payload = Buffer.from('hello over FTPS — ünïcode\n');
      await client.uploadFrom(Readable.from([payload]), '/backups/harness-check.txt');
      expect((await client.list('/backups')).map((entry) => entry.name)).toContain('harness-check.txt');
      await client.downloadTo(join(local, 'copy.txt'), '/backups/harness-check.txt');
      expect(await readFile(join(local, 'copy.txt'))).toEqual(payload);
      await client.remove('/backups/harness-check.txt');
    } finally {
      client.close();
      await rm(local, { recursive: true, force: true });
    }
  });

  it('rejects the self-signed certificate without the CA', async () => {
    await expect(login(true)).rejects.toThrow(/self[- ]signed/i);
  });

  it('refuses a wrong password', async () => {
    const client = new Client(10_000);
    await expect(client.access({ host: ftpd.host, port: ftpd.port, user: ftpd.username, password: 'wrong', secure: false })).rejects.toThrow(/530/);
    client.close();
  });

  it('stores files where the test expects them on disk', async () => {
    await writeFile(join(ftpd.root, 'public_html', 'from-disk.txt'), 'x');
    const client = await login(false);
    try {
      expect((await client.list('/public_html')).map((entry) => entry.name)).toContain('from-disk.txt');
    } finally {
      client.close();
      await rm(join(ftpd.root, 'public_html', 'from-disk.txt'));
    }
  });
});
