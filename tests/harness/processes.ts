import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync, closeSync } from 'node:fs';

export interface Daemon {
  name: string;
  pid: number;
  logFile: string;
}

/**
 * Starts a server in the foreground as a child we own, with its output in a log file.
 * It is stopped later by its PID.
 */
export function startDaemon(name: string, command: string, args: readonly string[], logFile: string, options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Daemon {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', log, log],
    detached: true,
  });
  closeSync(log);
  if (options.input !== undefined) child.stdin?.end(options.input);
  child.unref();
  if (child.pid === undefined) throw new Error(`${name} did not start (${command}); see ${logFile}`);
  return { name, pid: child.pid, logFile };
}

/** Alive means running: this sandbox's PID 1 reaps late, so a zombie counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      let tail = '';
      if (logFile) {
        try {
          tail = `\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`;
        } catch {
          // no log yet
        }
      }
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGTERM, wait, then SIGKILL if it lingers. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await waitFor(`PID ${pid} to exit`, () => !isAlive(pid), graceMs);
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await waitFor(`PID ${pid} to die`, () => !isAlive(pid), 5_000);
  }
}

export async function stopDaemon(daemon: Daemon): Promise<void> {
  await stopPid(daemon.pid);
}

/** A process's peak resident memory so far (VmHWM), in MiB; 0 once it is gone. */
export function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Every process's command line, as `ps -eo args` shows it, read from /proc in this process:
 * a sweep takes a few milliseconds, where running `ps` takes tens, so short-lived commands
 * (a remote `find` over a fast connection) are still seen.
 */
export function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
      if (args) lines.push(args);
    } catch {
      // The process ended during the sweep.
    }
  }
  return lines;
}
