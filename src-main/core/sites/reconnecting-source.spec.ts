import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../backends/backend';
import { ApiError } from '../contract/errors';
import { backup, DATABASE_DUMP_PATH } from '../engine/backup';
import { restoreToFolder } from '../engine/restore';
import { ConnectionLostError, SourceFileError, StreamRestartError, type Source, type SourceEntry, type Warning } from '../engine/source';
import { memoryRepository } from '../engine/testing';
import { ReconnectingSource, type SourceSession } from './reconnecting-source';

const MTIME = Date.UTC(2025, 0, 1);
const PIECE = 100;

/**
 * A site behind a link that can be cut: every byte any connection sends is counted, and the
 * connection that sends byte `cutAt` drops, once (like the fault proxy). Its sources fail as
 * the SSH ones do: a read says ConnectionLostError, a batch's content breaks mid-file and the
 * batch then says ConnectionLostError.
 */
class FakeSite {
  readonly files = new Map<string, { data: Buffer; mtime: number }>();
  readonly calls: string[] = [];
  sent = 0;
  cutAt = Number.POSITIVE_INFINITY;
  connections = 0;
  /** What opening a new connection does instead of connecting (a refused login, a dead route). */
  refuse: (() => Promise<never>) | null = null;
  onCut: () => void = () => {};

  constructor(files: Record<string, Buffer>) {
    for (const [path, data] of Object.entries(files)) this.files.set(path, { data, mtime: MTIME });
  }

  async open(batch: boolean): Promise<FakeSession> {
    if (this.refuse) return this.refuse();
    const connection = new FakeConnection(this, ++this.connections, batch);
    return { source: connection, closed: () => connection.dropped, connection };
  }

  /** Sends `bytes` over `connection`, or drops it when the cut falls inside them. */
  pass(connection: FakeConnection, bytes: number): void {
    if (connection.dropped) throw new Error('Not connected');
    const before = this.sent;
    this.sent += bytes;
    if (before < this.cutAt && this.sent >= this.cutAt) {
      this.cutAt = Number.POSITIVE_INFINITY;
      connection.dropped = true;
      this.onCut();
      throw new Error('the stream ended early');
    }
  }
}

interface FakeSession extends SourceSession {
  connection: FakeConnection;
}

class FakeConnection implements Source {
  readonly description = 'fake site';
  dropped = false;
  readonly fetchMany?: Source['fetchMany'];

  constructor(
    private readonly site: FakeSite,
    readonly number: number,
    batch: boolean,
  ) {
    if (batch) this.fetchMany = (entries, onFile, onProblem) => this.#fetchMany(entries, onFile, onProblem);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    this.site.calls.push(`list on ${this.number}`);
    this.#pass(50, 'listing its files');
    const entries = [...this.site.files].map(([path, file]): SourceEntry => ({ path, type: 'file', mode: 0o644, mtime: file.mtime, size: file.data.length }));
    return { entries, warnings: [] };
  }

  read(entry: SourceEntry): AsyncIterable<Buffer> {
    this.site.calls.push(`read ${entry.path} on ${this.number}`);
    return this.#stream(entry, 0, `reading ${entry.path}`);
  }

  readFrom(entry: SourceEntry, offset: number): AsyncIterable<Buffer> {
    this.site.calls.push(`readFrom ${entry.path} ${offset} on ${this.number}`);
    const file = this.site.files.get(entry.path);
    if (file && (file.data.length !== entry.size || file.mtime !== entry.mtime)) {
      const changed = new SourceFileError(entry.path, 'changed while being read (it was different when read again after the connection was lost)');
      return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(changed) }) };
    }
    return this.#stream(entry, offset, `reading ${entry.path}`);
  }

  /** A database dump: not the same bytes twice (it names the connection it ran on). */
  async *dump(): AsyncIterable<Buffer> {
    this.site.calls.push(`dump on ${this.number}`);
    const text = Buffer.from(`-- dump made over connection ${this.number}\n${'INSERT INTO t VALUES (1);\n'.repeat(200)}`);
    for (let at = 0; at < text.length; at += PIECE) {
      this.#pass(Math.min(PIECE, text.length - at), 'dumping the database');
      yield text.subarray(at, at + PIECE);
    }
  }

  async close(): Promise<void> {
    this.dropped = true;
  }

  #pass(bytes: number, doing: string): void {
    try {
      this.site.pass(this, bytes);
    } catch {
      throw new ConnectionLostError(doing);
    }
  }

  async *#stream(entry: SourceEntry, offset: number, doing: string): AsyncIterable<Buffer> {
    const file = this.site.files.get(entry.path);
    if (!file) throw new SourceFileError(entry.path, 'vanished during the backup');
    for (let at = offset; at < file.data.length; at += PIECE) {
      const piece = file.data.subarray(at, at + PIECE);
      this.#pass(piece.length, doing);
      yield piece;
    }
  }

  /** Like a tar stream: one file after another; a cut breaks the content being read. */
  async #fetchMany(entries: readonly SourceEntry[], onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>, onProblem: (warning: Warning) => void): Promise<void> {
    this.site.calls.push(`fetchMany ${entries.map((e) => e.path).join(',')} on ${this.number}`);
    const site = this.site;
    const missing: string[] = [];
    try {
      for (const entry of entries) {
        const file = site.files.get(entry.path);
        if (!file) {
          missing.push(entry.path);
          continue;
        }
        const pieces = async function* (this: FakeConnection) {
          for (let at = 0; at < file.data.length; at += PIECE) {
            const piece = file.data.subarray(at, at + PIECE);
            site.pass(this, piece.length);
            yield piece;
          }
        };
        await onFile(entry, pieces.call(this));
      }
    } catch (error) {
      if (this.dropped) throw new ConnectionLostError('reading its files');
      throw error;
    }
    for (const path of missing) onProblem({ path, message: 'vanished during the backup' });
  }
}

function reconnecting(site: FakeSite, options: { batch: boolean; maxRetries?: number; signal?: AbortSignal; baseDelayMs?: number; onRetry?: () => void }) {
  const open = () => site.open(options.batch);
  return open().then(
    (first) =>
      new ReconnectingSource<FakeSession>(first, open, {
        maxRetries: options.maxRetries ?? 2,
        baseDelayMs: options.baseDelayMs ?? 1,
        maxDelayMs: options.baseDelayMs ?? 1,
        signal: options.signal,
        onRetry: options.onRetry,
      }),
  );
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

let target: string;
beforeEach(async () => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
  target = await mkdtemp(join(tmpdir(), 'sv-reconnect-spec-'));
});
afterEach(async () => {
  await rm(target, { recursive: true, force: true });
});

const files = () => ({ 'a.php': randomBytes(3_000), 'b.bin': randomBytes(5_000), 'c.css': randomBytes(2_000) });

describe('a backup through ReconnectingSource whose connection is cut', () => {
  it('a batch (tar stream) cut in the middle of a file: the file continues at its byte over a new connection, the rest follows; the snapshot is whole, without warnings', async () => {
    const content = files();
    const site = new FakeSite(content);
    // Listing 50 bytes, a.php 3,000, then 1,000 bytes into b.bin: the next piece is cut.
    site.cutAt = 50 + 3_000 + 1_000 + 1;
    const source = await reconnecting(site, { batch: true });
    const repo = await memoryRepository();

    const { id, snapshot } = await backup(repo, source, { site: 'client' });

    expect(snapshot.warnings).toEqual([]);
    expect(source.reconnects).toBe(1);
    expect(site.calls).toEqual(['list on 1', 'fetchMany a.php,b.bin,c.css on 1', 'readFrom b.bin 1000 on 2', 'fetchMany c.css on 2']);
    // Only the piece in flight at the cut crossed the link twice.
    expect(site.sent).toBe(50 + 10_000 + PIECE);
    await restoreToFolder(repo, { ...snapshot, id }, target);
    for (const [path, data] of Object.entries(content)) expect((await readFile(join(target, path))).equals(data), path).toBe(true);
  });

  it('a batch cut between two files: the next file starts over the new connection', async () => {
    const content = files();
    const site = new FakeSite(content);
    site.cutAt = 50 + 3_000 + 1;
    const source = await reconnecting(site, { batch: true });
    const repo = await memoryRepository();

    const { id, snapshot } = await backup(repo, source, { site: 'client' });

    expect(snapshot.warnings).toEqual([]);
    expect(site.calls.slice(2)).toEqual(['readFrom b.bin 0 on 2', 'fetchMany c.css on 2']);
    await restoreToFolder(repo, { ...snapshot, id }, target);
    expect((await readFile(join(target, 'b.bin'))).equals(content['b.bin'])).toBe(true);
  });

  it('reads one file at a time (SFTP) cut with several files in flight: each goes on from its own byte', async () => {
    const content: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) content[`f${i}.bin`] = randomBytes(1_000 + 500 * i);
    const site = new FakeSite(content);
    site.cutAt = 20_000;
    const source = await reconnecting(site, { batch: false });
    const repo = await memoryRepository();

    const { id, snapshot } = await backup(repo, source, { site: 'client' });

    expect(snapshot.warnings).toEqual([]);
    expect(source.reconnects).toBe(1);
    const resumed = site.calls.filter((call) => call.startsWith('readFrom'));
    expect(resumed.length).toBeGreaterThan(0);
    expect(
      resumed.every((call) => / [1-9]\d* on 2$/.test(call)),
      resumed.join('; '),
    ).toBe(true);
    expect(site.sent - (50 + Object.values(content).reduce((sum, data) => sum + data.length, 0))).toBeLessThanOrEqual(PIECE);
    await restoreToFolder(repo, { ...snapshot, id }, target);
    for (const [path, data] of Object.entries(content)) expect((await readFile(join(target, path))).equals(data), path).toBe(true);
  });

  it('a cut during the listing lists again over the new connection', async () => {
    const site = new FakeSite(files());
    site.cutAt = 10;
    const source = await reconnecting(site, { batch: true });

    const listed = await source.list();

    expect(listed.entries.map((e) => e.path).sort()).toEqual(['a.php', 'b.bin', 'c.css']);
    expect(site.calls).toEqual(['list on 1', 'list on 2']);
  });

  it('a file that changed while the connection was made again is left out with a warning, never stored half old, half new', async () => {
    const content = files();
    const site = new FakeSite(content);
    site.cutAt = 50 + 3_000 + 1_000;
    site.onCut = () => site.files.set('b.bin', { data: randomBytes(6_000), mtime: MTIME + 1_000 });
    const source = await reconnecting(site, { batch: true });
    const repo = await memoryRepository();

    const { snapshot } = await backup(repo, source, { site: 'client' });

    expect(snapshot.warnings).toEqual([{ path: 'b.bin', message: 'changed while being read (it was different when read again after the connection was lost)' }]);
    expect(snapshot.stats.files).toBe(2);
  });

  it('a file that cannot be read is a warning, not a reason to connect again', async () => {
    const site = new FakeSite(files());
    const source = await reconnecting(site, { batch: false });
    const listed = await source.list();
    site.files.delete('b.bin');

    const error = await collect(source.read(listed.entries.find((e) => e.path === 'b.bin')!)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SourceFileError);
    expect(site.connections).toBe(1);
  });
});

describe('a database dump through ReconnectingSource.restartable', () => {
  it('cut before its first byte: made again over the new connection, unseen by the reader', async () => {
    const site = new FakeSite({});
    site.cutAt = 1;
    const source = await reconnecting(site, { batch: true });
    const dump = source.restartable('the database dump', (session) => session.connection.dump());

    const text = (await collect(dump())).toString();

    expect(text.startsWith('-- dump made over connection 2\n')).toBe(true);
    expect(site.calls).toEqual(['dump on 1', 'dump on 2']);
  });

  it('cut after bytes were handed over: the backup stores the dump read again from its start, not a mix of two dumps', async () => {
    const site = new FakeSite({ 'index.php': randomBytes(500) });
    site.cutAt = 50 + 500 + 2_000;
    const source = await reconnecting(site, { batch: true });
    const dump = source.restartable('the database dump', (session) => session.connection.dump());
    // The reader of a restartable stream sees the restart: it must begin again.
    const repo = await memoryRepository();

    const { id, snapshot } = await backup(repo, source, { site: 'client', kind: 'both', extraFiles: [{ path: DATABASE_DUMP_PATH, mode: 0o600, content: dump }] });

    expect(snapshot.warnings).toEqual([]);
    await restoreToFolder(repo, { ...snapshot, id }, target);
    const stored = await readFile(join(target, DATABASE_DUMP_PATH), 'utf8');
    expect(stored).toBe(`-- dump made over connection 2\n${'INSERT INTO t VALUES (1);\n'.repeat(200)}`);
    expect(site.calls.filter((call) => call.startsWith('dump'))).toEqual(['dump on 1', 'dump on 2']);
  });

  it('tells its reader to start again with StreamRestartError', async () => {
    const site = new FakeSite({});
    site.cutAt = 500;
    const source = await reconnecting(site, { batch: true });
    const dump = source.restartable('the database dump', (session) => session.connection.dump());

    expect(await collect(dump()).catch((e: unknown) => e)).toBeInstanceOf(StreamRestartError);
    expect((await collect(dump())).toString().startsWith('-- dump made over connection 2\n')).toBe(true);
  });
});

describe('when a new connection cannot be made', () => {
  it('a refused login is told at once, without more attempts', async () => {
    const site = new FakeSite(files());
    site.cutAt = 1_000;
    const source = await reconnecting(site, { batch: true, maxRetries: 5 });
    let attempts = 0;
    site.refuse = async () => {
      attempts++;
      throw new BackendError('permanent', 'AUTH_FAILED', 'The server at fake refused the login for user: wrong password or key.');
    };
    const repo = await memoryRepository();

    const error = await backup(repo, source, { site: 'client' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    expect(attempts).toBe(1);
  });

  it("gives up after the site's retries with the cause and the attempts in the message; later calls fail the same way", async () => {
    const site = new FakeSite(files());
    site.cutAt = 1_000;
    const source = await reconnecting(site, { batch: false, maxRetries: 2 });
    let attempts = 0;
    site.refuse = async () => {
      attempts++;
      throw new BackendError('transient', 'CONNECTION_FAILED', 'Cannot reach fake:22 (ECONNREFUSED).');
    };
    const repo = await memoryRepository();

    const error = await backup(repo, source, { site: 'client' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('CONNECTION_FAILED');
    expect((error as Error).message).toMatch(
      /^The connection to fake site was lost while reading \S+, and 2 new connections did not get further \(Cannot reach fake:22 \(ECONNREFUSED\)\); no snapshot was written\./,
    );
    expect(attempts).toBe(2);
    expect(await source.list().catch((e: unknown) => e)).toBe(error);
    expect(attempts).toBe(2);
  });

  it('a cancel ends the backoff at once: CANCELLED, and no attempt after it', async () => {
    const site = new FakeSite(files());
    site.cutAt = 1_000;
    const controller = new AbortController();
    // Unlimited retries an hour apart: only the cancel can end this within the test.
    const source = await reconnecting(site, { batch: true, maxRetries: 0, baseDelayMs: 3_600_000, signal: controller.signal, onRetry: () => controller.abort() });
    const repo = await memoryRepository();

    const error = await backup(repo, source, { site: 'client', signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(site.connections).toBe(1);
  });

  it('a cancel ends a connection attempt that hangs', async () => {
    const site = new FakeSite(files());
    site.cutAt = 1_000;
    const controller = new AbortController();
    const source = await reconnecting(site, { batch: false, maxRetries: 0, signal: controller.signal });
    site.refuse = () => {
      setTimeout(() => controller.abort(), 10);
      return new Promise<never>(() => {});
    };

    const error = await collect(source.read((await source.list()).entries[0]!)).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CANCELLED' });
  });
});
