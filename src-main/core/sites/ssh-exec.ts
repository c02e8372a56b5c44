import { ApiError } from '../contract/errors';
import type { Client, ClientChannel } from 'ssh2';

export interface RemoteProcess {
  stdout: AsyncIterable<Buffer>;
  stderr: Promise<string>;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

/** Quotes a value for a POSIX shell: nothing in it is interpreted. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A remote path as a shell word: `~/x` (a folder in the login's home) expands, nothing else does. */
export function remotePathWord(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) return `"$HOME"/${shellQuote(path.slice(2))}`;
  return shellQuote(path);
}

/**
 * Runs a command over SSH. Secrets go in through `stdin` (never in the command line, which
 * the server's `ps` would show), and sshd drops environment variables anyway.
 */
export function execRemote(client: Client, command: string, stdin?: string | Buffer | AsyncIterable<Buffer>): Promise<RemoteProcess & { stdinSent: Promise<void> }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let stderrText = '';
      channel.stderr.on('data', (chunk: Buffer) => {
        if (stderrText.length < 64 * 1024) stderrText += chunk.toString('utf8');
      });
      const exit = new Promise<{ code: number | null; signal: string | null }>((done) => {
        channel.on('exit', (code: number | null, signal: string | null) => done({ code, signal }));
        channel.on('close', () => done({ code: null, signal: null }));
      });
      const stderr = new Promise<string>((done) => channel.on('close', () => done(stderrText)));
      let stdinSent = Promise.resolve();
      if (stdin === undefined) channel.end();
      else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) channel.end(stdin);
      else stdinSent = pump(channel, stdin);
      stdinSent.catch(() => channel.close());
      resolve({ stdout: channel as AsyncIterable<Buffer>, stderr, exit, stdinSent });
    });
  });
}

/** Feeds a stream into a channel's stdin, honouring back-pressure, then ends it. */
async function pump(channel: ClientChannel, input: AsyncIterable<Buffer>): Promise<void> {
  let closed = false;
  channel.once('close', () => (closed = true));
  for await (const chunk of input) {
    if (closed) throw new Error('The server closed the connection while data was still being sent.');
    if (!channel.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          channel.off('drain', done);
          channel.off('close', done);
          resolve();
        };
        channel.once('drain', done);
        channel.once('close', done);
      });
    }
  }
  if (closed) throw new Error('The server closed the connection while data was still being sent.');
  channel.end();
}

/** The most output a command run to completion may send (what can be larger streams instead). */
export const MAX_COMMAND_OUTPUT = 64 * 1024 * 1024;

/** Runs a command to completion and collects its output, at most `maxBytes` of it (the channel is closed past that). */
export async function runRemote(client: Client, command: string, stdin?: string | Buffer, maxBytes = MAX_COMMAND_OUTPUT): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const process = await execRemote(client, command, stdin);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdout) {
    length += chunk.length;
    if (length > maxBytes)
      throw new ApiError('TOO_LARGE', `A command on the server sent more than ${maxBytes >= 1024 * 1024 ? `${maxBytes / 1024 / 1024} MiB` : `${maxBytes} bytes`} of output; SiteVault stopped reading it.`);
    chunks.push(chunk);
  }
  const [{ code }, stderr] = await Promise.all([process.exit, process.stderr]);
  return { stdout: Buffer.concat(chunks), stderr, code };
}
