import type { SFTPWrapper, Stats } from 'ssh2';
import { mapLimit } from '../concurrency/map-limit';

/** OpenSSH's sftp-server answers at most 255 KiB per read request. */
export const READ_REQUEST = 261_120;
export const IN_FLIGHT = 32;

export function call<T>(fn: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * `call` for a request on `sftp`, refused at once when the channel has closed: ssh2 answers
 * the requests in flight when a channel closes ("No response from server"), but a request
 * sent after that is never answered, and whoever waits for it would wait forever.
 */
export function request<T>(sftp: SFTPWrapper, fn: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  const channel = sftp as unknown as { readable?: boolean; outgoing?: { state?: string } };
  if (channel.readable === false || (channel.outgoing?.state !== undefined && channel.outgoing.state !== 'open')) {
    return Promise.reject(new Error('The SFTP channel is closed (connection lost).'));
  }
  return call(fn);
}

/** Fills `length` bytes from `start` with many read requests in flight (SFTP pipelining). */
export async function pipelinedRead(sftp: SFTPWrapper, handle: Buffer, start: number, length: number, what: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  await mapLimit(requestRanges(length, READ_REQUEST), IN_FLIGHT, async ({ at, size }) => {
    let done = 0;
    while (done < size) {
      const got = await request<number>(sftp, (cb) => sftp.read(handle, buffer, at + done, size - done, start + at + done, (e, n) => cb(e, n)));
      if (got === 0) throw Object.assign(new Error(`${what} ended early at ${start + at + done} bytes`), { truncated: true });
      done += got;
    }
  });
  return buffer;
}

/** `length` bytes cut into requests of at most `request` bytes. */
export function* requestRanges(length: number, request: number): Generator<{ at: number; size: number }> {
  for (let at = 0; at < length; at += request) yield { at, size: Math.min(request, length - at) };
}

/**
 * A remote file as a stream of windows of up to `window` bytes, each read with pipelining.
 * From `from.offset` on, when given, once `from.check` accepted the open file's stats.
 */
export async function* readFileWindows(sftp: SFTPWrapper, path: string, window = 4 * 1024 * 1024, from: { offset: number; check: (stats: Stats) => void } | null = null): AsyncGenerator<Buffer> {
  const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  try {
    const stats = await call<Stats>((cb) => sftp.fstat(handle, cb));
    from?.check(stats);
    const size = stats.size;
    for (let at = from?.offset ?? 0; at < size; at += window) yield await pipelinedRead(sftp, handle, at, Math.min(window, size - at), path);
  } finally {
    await call<void>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => {});
  }
}
