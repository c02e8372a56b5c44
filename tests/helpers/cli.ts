import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));

function assertBuilt(): void {
  if (!existsSync(new URL('../../out/main/cli.js', import.meta.url))) {
    throw new Error('The CLI is not built: run `npm run build` (npm test does it first).');
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `sitevault` command as a user would, in its own process. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `sitevault serve` and waits for the address it prints. */
export function startServe(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ServeProcess> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    // The app's scheduler would back up saved sites on its own 30 s after start; tests that
    // count snapshots need a fixed history, so it is off unless a test turns it on.
    const child = spawn(process.execPath, [CLI, 'serve'], { env: { SITEVAULT_SCHEDULER: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sitevault serve printed no address in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]+))/.exec(output);
      if (match) {
        clearTimeout(timer);
        const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
        resolve({
          url: match[1]!,
          origin: `http://127.0.0.1:${match[2]}`,
          port: Number(match[2]),
          token: match[3]!,
          child,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sitevault serve exited with ${code} before printing an address:\n${output}`));
    });
  });
}

/** `sv(args)` runs the CLI with an environment built per call; `json(args)` also parses its output and fails loudly. */
export function cliWith(env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv) {
  const sv = (args: string[], extra?: NodeJS.ProcessEnv) => runCli(args, env(extra));
  const json = async (args: string[], extra?: NodeJS.ProcessEnv) => {
    const result = await sv(args, extra);
    if (result.code !== 0) throw new Error(`sitevault ${args.join(' ')} (${result.code}): ${result.stderr}\n${result.stdout}`);
    return JSON.parse(result.stdout);
  };
  return { sv, json };
}
