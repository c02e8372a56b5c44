import { createHash, X509Certificate } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canConnect, freePort, freePortRange } from './ports';
import { startDaemon, waitFor, type Daemon } from './processes';
import { run } from './system';
import { HARNESS_SUFFIX } from './instance';
import { ensureUser, testPassword } from './users';

/** The system account pure-ftpd maps the virtual user to (uid >= 1000, as `-u 1000` demands). */
export const FTP_SYSTEM_USER = `svftpvirt${HARNESS_SUFFIX}`;
export const FTP_USER = 'svftp';

export interface FtpdInfo {
  host: string;
  port: number;
  username: string;
  password: string;
  /** The virtual user's chroot on disk; the user sees it as `/`. */
  root: string;
  passivePorts: [number, number];
  /** The self-signed certificate (with IP SAN 127.0.0.1), usable as a CA file. */
  caFile: string;
  /** `SHA256:` + base64 of the certificate's DER digest. */
  certFingerprint: string;
  daemon: Daemon;
}

export function certificateFingerprint(pem: string): string {
  const der = new X509Certificate(pem).raw;
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export interface FtpdOptions {
  /** Its folder under the state folder (several servers can run side by side). */
  name?: string;
  /** Offer explicit TLS (AUTH TLS); without it the server refuses TLS. */
  tls?: boolean;
  /** Self-signed (its own CA), or signed by a test CA: expired since 2020, or valid but for another host name. */
  certificate?: 'self-signed' | 'expired' | 'other-name';
}

/**
 * A certificate from a throwaway CA: for 127.0.0.1 and valid only in January 2020
 * (`expired`), or valid now but issued to other.example (`other-name`).
 */
async function caSignedCertificate(kind: 'expired' | 'other-name', dir: string, keyFile: string, certFile: string, caFile: string): Promise<void> {
  const caKey = join(dir, 'ca.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=SiteVault test CA', '-keyout', caKey, '-out', caFile]);
  const csr = join(dir, 'tls.csr');
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', keyFile, '-out', csr]);
  const config = join(dir, 'ca.cnf');
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '01\n');
  const names = kind === 'expired' ? 'IP:127.0.0.1,DNS:localhost' : 'DNS:other.example';
  await writeFile(
    config,
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${dir}/index.txt\nnew_certs_dir=${dir}\nserial=${dir}/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[x]\nsubjectAltName=${names}\n`,
  );
  const validity = kind === 'expired' ? ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z'] : ['-days', '30'];
  await run('openssl', ['ca', '-batch', '-config', config, '-cert', caFile, '-keyfile', caKey, '-in', csr, '-out', certFile, ...validity, '-extensions', 'x']);
}

export async function startFtpd(stateDir: string, options: FtpdOptions = {}): Promise<FtpdInfo> {
  const dir = join(stateDir, options.name ?? 'ftp');
  const root = join(dir, 'root');
  await mkdir(root, { recursive: true });
  await chmod(dir, 0o755);
  const ids = await ensureUser(FTP_SYSTEM_USER, { home: '/nonexistent', shell: '/usr/sbin/nologin', createHome: false });
  if (ids.uid < 1000) throw new Error(`${FTP_SYSTEM_USER} has uid ${ids.uid}; pure-ftpd here needs uid >= 1000`);
  for (const folder of ['', 'public_html', 'backups']) {
    await mkdir(join(root, folder), { recursive: true });
    await chown(join(root, folder), ids.uid, ids.gid);
  }

  const keyFile = join(dir, 'tls.key');
  const certFile = join(dir, 'tls.crt');
  let caFile = certFile;
  if (options.certificate === 'expired' || options.certificate === 'other-name') {
    caFile = join(dir, 'ca.crt');
    await caSignedCertificate(options.certificate, dir, keyFile, certFile, caFile);
  } else {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
  }
  const certPem = await readFile(certFile, 'utf8');
  const pemFile = join(dir, 'pure-ftpd.pem');
  await writeFile(pemFile, certPem + (await readFile(keyFile, 'utf8')), { mode: 0o600 });

  // pure-pw's default argon2id hash costs ~2 s per login; SHA-512 crypt keeps logins fast.
  const password = testPassword('ftp');
  const hash = (await run('openssl', ['passwd', '-6', '-stdin'], { input: `${password}\n` })).stdout.trim();
  const passwdFile = join(dir, 'pureftpd.passwd');
  const pdbFile = join(dir, 'pureftpd.pdb');
  await writeFile(passwdFile, `${FTP_USER}:${hash}:${ids.uid}:${ids.gid}::${root}/./::::::::::::\n`, { mode: 0o600 });
  await run('pure-pw', ['mkdb', pdbFile, '-f', passwdFile]);

  const port = await freePort();
  const passivePorts = await freePortRange(64);
  const logFile = join(dir, 'pure-ftpd.log');
  const daemon = startDaemon(
    'pure-ftpd',
    '/usr/sbin/pure-ftpd',
    [
      '-S',
      `127.0.0.1,${port}`,
      '-l',
      `puredb:${pdbFile}`,
      '-E',
      '-A',
      '-H',
      '-4',
      '-j',
      '-u',
      '1000',
      '-c',
      '100',
      '-C',
      '64',
      '-p',
      `${passivePorts[0]}:${passivePorts[1]}`,
      '-P',
      '127.0.0.1',
      '-Y',
      options.tls === false ? '0' : '1',
      '-2',
      pemFile,
      '-g',
      join(dir, 'pure-ftpd.pid'),
      '-O',
      `clf:${join(dir, 'transfer.log')}`,
    ],
    logFile,
  );
  await waitFor(`pure-ftpd on 127.0.0.1:${port}`, () => canConnect(port), 15_000, logFile);

  return {
    host: '127.0.0.1',
    port,
    username: FTP_USER,
    password,
    root,
    passivePorts,
    caFile,
    certFingerprint: certificateFingerprint(certPem),
    daemon,
  };
}
