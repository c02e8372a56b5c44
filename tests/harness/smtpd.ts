import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canConnect, freePort } from './ports';
import { startDaemon, waitFor, type Daemon } from './processes';
import { run } from './system';
import { testPassword } from './users';

export const SYSTEM_PYTHON = '/usr/bin/python3';
/** Checked like a program, so a missing package is named (python3-aiosmtpd). */
export const AIOSMTPD_MODULE = '/usr/lib/python3/dist-packages/aiosmtpd/__init__.py';

export interface SmtpdInfo {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Accepted messages land here (Maildir: new/). */
  maildir: string;
  /** The server's self-signed certificate (IP SAN 127.0.0.1), to give SiteVault as the CA file. */
  caFile: string;
  daemon: Daemon;
}

/** Starts aiosmtpd (Debian's python3-aiosmtpd) with STARTTLS required and AUTH. */
export async function startSmtpd(stateDir: string): Promise<SmtpdInfo> {
  const dir = join(stateDir, 'smtp');
  await mkdir(dir, { recursive: true });
  const keyFile = join(dir, 'tls.key');
  const caFile = join(dir, 'tls.crt');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', caFile]);
  const port = await freePort();
  const password = testPassword('smtp');
  const maildir = join(dir, 'Maildir');
  const logFile = join(dir, 'smtpd.log');
  const script = fileURLToPath(new URL('./smtpd.py', import.meta.url));
  // The password goes in on stdin: the secrets test samples every command line on the machine.
  const daemon = startDaemon('smtpd', SYSTEM_PYTHON, [script, String(port), caFile, keyFile, 'reports', maildir], logFile, { input: `${password}\n` });
  await waitFor(`smtpd on 127.0.0.1:${port}`, () => canConnect(port), 15_000, logFile);
  return { host: '127.0.0.1', port, username: 'reports', password, maildir, caFile, daemon };
}

/** The messages the test SMTP server accepted, oldest first (raw RFC 5322 text). */
export async function receivedMail(info: SmtpdInfo): Promise<string[]> {
  const folder = join(info.maildir, 'new');
  const names = await readdir(folder).catch(() => [] as string[]);
  const messages = await Promise.all(names.sort().map((name) => readFile(join(folder, name), 'utf8')));
  return messages;
}
