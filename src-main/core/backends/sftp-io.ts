import type { SFTPWrapper, Stats } from 'ssh2';

/** OpenSSH's sftp-server answers at most 255 KiB per read request. */
export const READ_REQUEST = 261_120;
export const IN_FLIGHT = 32;

export function call<T>(fn: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/** Fills `length` bytes from `start` with many read requests in flight (SFTP pipelining). */
export async function pipelinedRead(sftp: SFTPWrapper, handle: Buffer, start: number, length: number, what: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < length && !failure) {
      const at = next;
      const size = Math.min(READ_REQUEST, length - at);
      next += size;
      let done = 0;
      while (done < size) {
        const got = await call<number>((cb) => sftp.read(handle, buffer, at + done, size - done, start + at + done, (e, n) => cb(e, n)));
        if (got === 0) throw Object.assign(new Error(`${what} ended early at ${start + at + done} bytes`), { truncated: true });
        done += got;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, Math.ceil(length / READ_REQUEST) || 1) }, () => worker().catch((e: unknown) => (failure ??= e))));
  if (failure) throw failure;
  return buffer;
}

/** A remote file as a stream of windows of up to `window` bytes, each read with pipelining. */
export async function* readFileWindows(sftp: SFTPWrapper, path: string, window = 4 * 1024 * 1024): AsyncGenerator<Buffer> {
  const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  try {
    const size = (await call<Stats>((cb) => sftp.fstat(handle, cb))).size;
    for (let at = 0; at < size; at += window) yield await pipelinedRead(sftp, handle, at, Math.min(window, size - at), path);
  } finally {
    await call<void>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => {});
  }
}
