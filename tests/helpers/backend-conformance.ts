import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BackendError, type Backend } from '../../src-main/core/backends/backend';

const hex = () => randomBytes(32).toString('hex');

/**
 * What every backend must do, the same for a local folder, SFTP, FTP(S) and the memory
 * backend: call inside a describe block, with a function that opens a fresh, empty store.
 */
export function backendConformance(make: () => Backend): void {
  let backend: Backend;
  beforeAll(() => {
    backend = make();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('writes, stats, reads whole and by range', async () => {
    const name = `snapshots/${hex()}`;
    const data = randomBytes(300_000);
    await backend.write(name, data);
    expect(await backend.stat(name)).toEqual({ name, size: data.length });
    expect((await backend.read(name)).equals(data)).toBe(true);
    expect((await backend.read(name, { offset: 1000, length: 5000 })).equals(data.subarray(1000, 6000))).toBe(true);
    expect((await backend.read(name, { offset: data.length - 10, length: 10 })).equals(data.subarray(-10))).toBe(true);
  });

  it('writes config and empty objects', async () => {
    await backend.write('config', Buffer.from('cfg'));
    expect((await backend.read('config')).toString()).toBe('cfg');
    const empty = `locks/${hex()}`;
    await backend.write(empty, Buffer.alloc(0));
    expect((await backend.stat(empty)).size).toBe(0);
  });

  it('lists a folder, including data/ with its two-hex subfolders, and never temporary files', async () => {
    const ids = [hex(), hex(), hex()];
    await Promise.all(ids.map((id) => backend.write(`data/${id.slice(0, 2)}/${id}`, Buffer.from(id))));
    const listed = await backend.list('data');
    for (const id of ids) expect(listed).toContainEqual({ name: `data/${id.slice(0, 2)}/${id}`, size: 64 });
    expect(listed.every((o) => !o.name.includes('.tmp.'))).toBe(true);
    expect(await backend.list('index')).toEqual([]);
  });

  it('handles many writes in parallel', async () => {
    const names = Array.from({ length: 24 }, () => `index/${hex()}`);
    await Promise.all(names.map((name, i) => backend.write(name, Buffer.from(`payload ${i}`))));
    const listed = new Set((await backend.list('index')).map((o) => o.name));
    for (const name of names) expect(listed.has(name)).toBe(true);
  });

  it('deletes, and reports what is missing as not-found', async () => {
    const name = `keys/${hex()}`;
    await backend.write(name, Buffer.from('k'));
    await backend.delete(name);
    for (const attempt of [() => backend.stat(name), () => backend.read(name), () => backend.delete(name)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).kind).toBe('not-found');
    }
  });

  it('refuses names outside the repository format', async () => {
    for (const name of ['../escape', 'data/../../x', '/etc/passwd', 'snapshots/not-hex', `data/zz/${hex()}`]) {
      await expect(backend.write(name, Buffer.from('x'))).rejects.toMatchObject({ kind: 'permanent', code: 'BAD_REQUEST' });
    }
  });
}
