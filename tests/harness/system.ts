import { spawn } from 'node:child_process';
import { accessSync, existsSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import debianPackages from './debian-packages.json' with { type: 'json' };

/** Each program the harness runs, and the Debian package that provides it (each one is in debian-packages.json). */
export const REQUIRED_PROGRAMS: Readonly<Record<string, string>> = {
  '/usr/sbin/sshd': 'openssh-server',
  '/usr/lib/python3/dist-packages/aiosmtpd/__init__.py': 'python3-aiosmtpd',
  'ssh-keygen': 'openssh-client',
  sshpass: 'sshpass',
  '/usr/sbin/pure-ftpd': 'pure-ftpd',
  'pure-pw': 'pure-ftpd',
  openssl: 'openssl',
  '/usr/sbin/mariadbd': 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mariadb: 'mariadb-client',
  mysqldump: 'mariadb-client',
  'dbus-daemon': 'dbus',
  'dbus-send': 'dbus',
  'gnome-keyring-daemon': 'gnome-keyring',
  'secret-tool': 'libsecret-tools',
  chromium: 'chromium',
  rsync: 'rsync',
  lftp: 'lftp',
  restic: 'restic',
  unzip: 'unzip',
  pdftoppm: 'poppler-utils',
  pdftotext: 'poppler-utils',
  pdfinfo: 'poppler-utils',
  php: 'php-cli',
  useradd: 'passwd',
  chpasswd: 'passwd',
};

/** Every package the tests need: tests/harness/debian-packages.json, which `npm test` installs on Debian as root. */
export const APT_INSTALL_HINT = `apt-get install -y ${debianPackages.join(' ')}`;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findProgram(name: string): string | null {
  // A Python module is "installed" when its file is there (it is imported, not run).
  if (name.includes('/')) return isExecutable(name) || (name.endsWith('.py') && existsSync(name)) ? name : null;
  const dirs = (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Throws one message that names every missing program and the apt package to install. */
export function requirePrograms(names: readonly string[]): void {
  const missing = names.filter((name) => findProgram(name) === null);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((name) => REQUIRED_PROGRAMS[name] ?? '(unknown package)'))];
  throw new Error(
    `The test harness needs programs that are not installed: ${missing.join(', ')}.\n` + `Install them with: apt-get install -y ${packages.join(' ')}\n` + `(Everything the tests use: ${APT_INSTALL_HINT})`,
  );
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'The test harness must run as root: it creates test users and starts sshd, pure-ftpd and MariaDB on loopback. ' + 'Run the tests in a disposable machine or container (CI runs them as root).',
    );
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Accept a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

/** Runs a program to completion. Secrets go through `input` (stdin), never through `args`. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${result.code}`}): ${result.stderr.trim() || result.stdout.trim()}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
