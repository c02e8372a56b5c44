import type { Client } from 'ssh2';

export interface RemoteProcess {
  stdout: AsyncIterable<Buffer>;
  stderr: Promise<string>;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

/** Quotes a value for a POSIX shell: nothing in it is interpreted. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a command over SSH. Secrets go in through `stdin` (never in the command line, which
 * the server's `ps` would show), and sshd drops environment variables anyway.
 */
export function execRemote(client: Client, command: string, stdin?: string | Buffer): Promise<RemoteProcess> {
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
      if (stdin !== undefined) channel.end(stdin);
      else channel.end();
      resolve({ stdout: channel as AsyncIterable<Buffer>, stderr, exit });
    });
  });
}

/** Runs a command to completion and collects its output. */
export async function runRemote(client: Client, command: string, stdin?: string | Buffer): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const process = await execRemote(client, command, stdin);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdout) chunks.push(chunk);
  const [{ code }, stderr] = await Promise.all([process.exit, process.stderr]);
  return { stdout: Buffer.concat(chunks), stderr, code };
}
