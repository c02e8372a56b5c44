import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { canConnect, freePort } from './ports';
import { startDaemon, stopPid, waitFor, type Daemon } from './processes';
import { run } from './system';

/**
 * The S3-compatible server: OpenStack Swift (Debian's swift-* packages) with its s3api
 * middleware and tempauth, one replica, on loopback. It checks SigV4 signatures, the region
 * and the request time like AWS. Its proxy speaks TLS: restic's S3 client (minio-go) sends
 * aws-chunked bodies over plain HTTP, which this Swift refuses.
 */
export const SWIFT_PROGRAMS = ['/usr/bin/swift-proxy-server', '/usr/bin/swift-account-server', '/usr/bin/swift-container-server', '/usr/bin/swift-object-server', 'swift-ring-builder'];

export interface S3dInfo {
  /** `https://127.0.0.1:PORT` */
  endpoint: string;
  region: string;
  /** A bucket made fresh at start; tests use their own prefixes in it. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A second key of the same account with no rights on the bucket. */
  unprivileged: { accessKeyId: string; secretAccessKey: string };
  /** The proxy's self-signed certificate (IP SAN 127.0.0.1), to give as the CA file. */
  caFile: string;
  /** Its private key, for test proxies that present the same certificate. */
  keyFile: string;
  daemons: Daemon[];
}

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const REGION = 'sv-test-1';
const BUCKET = 'sitevault-test';

const serverConf = (kind: 'account' | 'container' | 'object', dir: string, port: number) => `[DEFAULT]
devices = ${dir}/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
swift_dir = ${dir}
log_name = ${kind}
log_level = WARNING

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}
`;

const proxyConf = (dir: string, port: number, secret: string, readerSecret: string) => `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
cert_file = ${dir}/tls.crt
key_file = ${dir}/tls.key
workers = 0
swift_dir = ${dir}
log_name = proxy
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper proxy-logging cache listing_formats s3api tempauth copy slo dlo symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = ${REGION}

[filter:tempauth]
use = egg:swift#tempauth
user_sitevault_tester = ${secret} .admin
user_sitevault_reader = ${readerSecret}

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:symlink]
use = egg:swift#symlink
`;

async function buildRing(dir: string, kind: string, port: number): Promise<void> {
  const builder = join(dir, `${kind}.builder`);
  await run('swift-ring-builder', [builder, 'create', '0', '1', '1'], { cwd: dir });
  await run('swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${port}/d1`, '1'], { cwd: dir });
  // rebalance exits 1 with a warning on a one-device ring; the ring is written all the same.
  await run('swift-ring-builder', [builder, 'rebalance'], { cwd: dir, allowFailure: true });
}

export async function startS3d(stateDir: string): Promise<S3dInfo> {
  const dir = join(stateDir, 's3');
  await mkdir(join(dir, 'srv', 'd1'), { recursive: true });
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
    join(dir, 'tls.key'),
    '-out',
    join(dir, 'tls.crt'),
  ]);
  const ports = { account: await freePort(), container: await freePort(), object: await freePort(), proxy: await freePort() };
  // Only letters, digits, - and _: the paste.deploy config file is not the place to test quoting.
  const secret = `s3-${randomBytes(18).toString('base64url')}`;
  const readerSecret = `s3r-${randomBytes(18).toString('base64url')}`;
  await Promise.all((['account', 'container', 'object'] as const).map((kind) => buildRing(dir, kind, ports[kind])));
  const daemons: Daemon[] = [];
  try {
    for (const kind of ['account', 'container', 'object'] as const) {
      const conf = join(dir, `${kind}.conf`);
      await writeFile(conf, serverConf(kind, dir, ports[kind]), { mode: 0o600 });
      daemons.push(startDaemon(`swift-${kind}`, `/usr/bin/swift-${kind}-server`, [conf], join(dir, `${kind}.log`)));
    }
    const proxy = join(dir, 'proxy.conf');
    await writeFile(proxy, proxyConf(dir, ports.proxy, secret, readerSecret), { mode: 0o600 });
    daemons.push(startDaemon('swift-proxy', '/usr/bin/swift-proxy-server', [proxy], join(dir, 'proxy.log')));
    for (const [kind, port] of Object.entries(ports)) {
      await waitFor(`swift ${kind} server on 127.0.0.1:${port}`, () => canConnect(port), 30_000, join(dir, `${kind}.log`));
    }
    const endpoint = `https://127.0.0.1:${ports.proxy}`;
    const caFile = join(dir, 'tls.crt');
    const client = new S3Client({
      endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'sitevault:tester', secretAccessKey: secret },
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(caFile) }) }),
    });
    let lastError: unknown;
    try {
      await waitFor(
        `the S3 API on ${endpoint} to create bucket ${BUCKET}`,
        () =>
          client.send(new CreateBucketCommand({ Bucket: BUCKET })).then(
            () => true,
            (error: unknown) => {
              lastError = error;
              return false;
            },
          ),
        30_000,
        join(dir, 'proxy.log'),
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nLast S3 error: ${String(lastError)}`, { cause: error });
    } finally {
      client.destroy();
    }
    return {
      endpoint,
      region: REGION,
      bucket: BUCKET,
      accessKeyId: 'sitevault:tester',
      secretAccessKey: secret,
      unprivileged: { accessKeyId: 'sitevault:reader', secretAccessKey: readerSecret },
      caFile,
      keyFile: join(dir, 'tls.key'),
      daemons,
    };
  } catch (error) {
    await Promise.all(daemons.map((daemon) => stopPid(daemon.pid)));
    throw error;
  }
}
