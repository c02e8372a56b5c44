import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEY_FILE_BYTES, readKeyFile, readKeyFileSync } from './key-files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sv-key-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['readKeyFile', (path: string, kind: 'key file' | 'CA file') => readKeyFile(path, kind)],
  ['readKeyFileSync', async (path: string, kind: 'key file' | 'CA file') => readKeyFileSync(path, kind)],
])('%s', (_name, read) => {
  it('reads a key file up to 1 MiB whole', async () => {
    const path = join(dir, 'id_ed25519');
    const key = Buffer.alloc(MAX_KEY_FILE_BYTES, 0x41);
    await writeFile(path, key);
    expect((await read(path, 'key file')).equals(key)).toBe(true);
  });

  it('refuses a network path without opening it (Windows would send the NTLM hash to that server)', async () => {
    for (const path of ['\\\\203.0.113.5\\share\\key', '//203.0.113.5/share/key']) {
      await expect(read(path, 'key file')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('is on another computer') });
    }
  });

  it('refuses a bigger file, naming it and the bound', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, Buffer.alloc(MAX_KEY_FILE_BYTES + 1));
    await expect(read(path, 'key file')).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: `The key file ${path} holds more than 1 MiB; a key file is at most 1 MiB. Choose an SSH private key file (such as id_ed25519).`,
    });
  });

  it('refuses what is not a regular file without reading it: a device, a FIFO, a folder', async () => {
    await expect(read('/dev/zero', 'CA file')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: "The CA file /dev/zero is not a regular file. Choose the CA's certificate file (PEM)." });
    const fifo = join(dir, `fifo-${_name}`);
    execFileSync('mkfifo', [fifo]);
    await expect(read(fifo, 'CA file')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(read(dir, 'key file')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('names a missing file', async () => {
    await expect(read(join(dir, 'missing.pem'), 'CA file')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`The CA file ${join(dir, 'missing.pem')} does not exist`) });
  });
});
