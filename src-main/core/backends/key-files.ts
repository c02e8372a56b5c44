import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { BackendError } from './backend';

/**
 * A private key is a few KiB, a PEM bundle of CA certificates a few hundred at most. A file
 * the user picked by mistake (a disk image, /dev/zero, a FIFO) is refused rather than read.
 */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

export type KeyFileKind = 'key file' | 'CA file';

const what = (kind: KeyFileKind) => (kind === 'key file' ? 'an SSH private key file (such as id_ed25519)' : "the CA's certificate file (PEM)");

function tooLarge(path: string, kind: KeyFileKind, size: number): BackendError {
  return new BackendError('permanent', 'TOO_LARGE', `The ${kind} ${path} holds ${size > MAX_KEY_FILE_BYTES ? 'more than 1 MiB' : `${size} bytes`}; a ${kind} is at most 1 MiB. Choose ${what(kind)}.`);
}

function checkStats(path: string, kind: KeyFileKind, stats: Stats): void {
  if (!stats.isFile()) throw new BackendError('permanent', 'BAD_REQUEST', `The ${kind} ${path} is not a regular file. Choose ${what(kind)}.`);
  if (stats.size > MAX_KEY_FILE_BYTES) throw tooLarge(path, kind, stats.size);
}

function refuseNetworkPath(path: string, kind: KeyFileKind): void {
  if (isNetworkPath(path)) throw new BackendError('permanent', 'BAD_REQUEST', `The ${kind} ${path} is on another computer (a network path). Copy it to this computer and choose that copy.`);
}

function unreadable(path: string, kind: KeyFileKind, error: unknown): BackendError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new BackendError('permanent', 'NOT_FOUND', `The ${kind} ${path} does not exist. Choose ${what(kind)}.`);
  if (code === 'EACCES' || code === 'EPERM') return new BackendError('permanent', 'PERMISSION_DENIED', `The ${kind} ${path} cannot be read: permission denied.`);
  if (code === 'EISDIR') return new BackendError('permanent', 'BAD_REQUEST', `The ${kind} ${path} is a folder. Choose ${what(kind)}.`);
  return new BackendError('permanent', 'IO_ERROR', `The ${kind} ${path} cannot be read (${code ?? (error as Error).message}).`);
}

/**
 * A path on another machine (`\\server\share\key`, `//server/share/key`, `\\?\UNC\…`): on
 * Windows, opening it makes an SMB connection that hands the user's NTLM hash to that server.
 */
export function isNetworkPath(path: string): boolean {
  return /^[\\/]{2}/.test(path);
}

// O_NONBLOCK: opening a FIFO the user picked must not hang the job.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Reads a key or CA file the user chose, at most MAX_KEY_FILE_BYTES, with an error naming it. */
export async function readKeyFile(path: string, kind: KeyFileKind): Promise<Buffer> {
  refuseNetworkPath(path, kind);
  const handle = await open(path, FLAGS).catch((error: unknown) => {
    throw unreadable(path, kind, error);
  });
  try {
    checkStats(path, kind, await handle.stat());
    // One byte more than the bound: a file that grew since fstat is caught too.
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_KEY_FILE_BYTES) throw tooLarge(path, kind, length);
    }
    return Buffer.from(buffer.subarray(0, length));
  } catch (error) {
    throw error instanceof BackendError ? error : unreadable(path, kind, error);
  } finally {
    await handle.close();
  }
}

/** The same, for a constructor that cannot wait. */
export function readKeyFileSync(path: string, kind: KeyFileKind): Buffer {
  refuseNetworkPath(path, kind);
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (error) {
    throw unreadable(path, kind, error);
  }
  try {
    checkStats(path, kind, fstatSync(fd));
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_KEY_FILE_BYTES) throw tooLarge(path, kind, length);
    }
    return Buffer.from(buffer.subarray(0, length));
  } catch (error) {
    throw error instanceof BackendError ? error : unreadable(path, kind, error);
  } finally {
    closeSync(fd);
  }
}
