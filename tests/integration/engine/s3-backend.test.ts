import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type Backend } from '../../../src-main/core/backends/backend';
import { DEFAULT_CONNECTION } from '../../../src-main/core/backends/connection';
import { parseStorageLocation, type S3Location, type S3Settings } from '../../../src-main/core/backends/location';
import { openBackend } from '../../../src-main/core/backends/open-backend';
import { S3_PACK_TARGET_BYTES, S3Backend, type S3Tuning } from '../../../src-main/core/backends/s3-backend';
import { Repository } from '../../../src-main/core/engine/repository';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';

let harness: HarnessInfo;
let admin: S3Client;
const proxies: FaultProxy[] = [];
const MiB = 1024 * 1024;

beforeAll(async () => {
  harness = await loadHarnessInfo();
  const s = harness.s3d!;
  admin = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(s.caFile) }) }),
  });
});
afterAll(async () => {
  admin.destroy();
  await Promise.all(proxies.map((proxy) => proxy.close()));
});

const hex = () => randomBytes(32).toString('hex');
const dataName = () => {
  const id = hex();
  return `data/${id.slice(0, 2)}/${id}`;
};
const freshPrefix = () => `s3-tests/${randomBytes(4).toString('hex')}`;

function location(prefix: string, overrides: Partial<S3Settings> & { bucket?: string } = {}): S3Location {
  const s = harness.s3d!;
  const { bucket = s.bucket, ...settings } = overrides;
  return parseStorageLocation(`s3://${bucket}/${prefix}`, { endpoint: s.endpoint, region: s.region, pathStyle: true, accessKeyId: s.accessKeyId, ...settings }) as S3Location;
}

function backend(prefix: string, options: { settings?: Partial<S3Settings> & { bucket?: string }; secret?: string; caFile?: string | null; tuning?: S3Tuning } = {}): S3Backend {
  const s = harness.s3d!;
  const caFile = options.caFile === null ? undefined : (options.caFile ?? s.caFile);
  return new S3Backend(location(prefix, options.settings), { password: options.secret ?? s.secretAccessKey, caFile }, { ...DEFAULT_CONNECTION, timeoutSeconds: 10 }, options.tuning);
}

/** The same server behind a loopback TCP proxy that can cut a connection mid-transfer. */
async function throughProxy(): Promise<{ proxy: FaultProxy; endpoint: string }> {
  const port = Number(new URL(harness.s3d!.endpoint).port);
  const proxy = await startFaultProxy({ host: '127.0.0.1', port });
  proxies.push(proxy);
  return { proxy, endpoint: `https://127.0.0.1:${proxy.port}` };
}

async function uploadsInProgress(key: string): Promise<number> {
  const listed = await admin.send(new ListMultipartUploadsCommand({ Bucket: harness.s3d!.bucket, Prefix: key }));
  return (listed.Uploads ?? []).length;
}

async function failure(work: () => Promise<unknown>): Promise<BackendError> {
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('S3 multipart uploads', () => {
  it('a part cut off mid-transfer is sent again and the object completes', async () => {
    const { proxy, endpoint } = await throughProxy();
    const prefix = freshPrefix();
    const s3 = backend(prefix, { settings: { endpoint }, tuning: { partBytes: 5 * MiB, partsInFlight: 2 } });
    try {
      await s3.list('data'); // the bucket check, before the faults count bytes
      const data = randomBytes(13 * MiB);
      const name = dataName();
      proxy.setFaults({ cutAfterBytes: 7 * MiB });
      await s3.write(name, data);
      expect(proxy.stats().cut).toBe(true);
      const counts = s3.requestCounts();
      // Three parts, one of them twice.
      expect(counts['UploadPartCommand']).toBe(4);
      expect(counts['CompleteMultipartUploadCommand']).toBe(1);
      expect((await s3.read(name)).equals(data)).toBe(true);
      expect(await uploadsInProgress(`${prefix}/`)).toBe(0);
    } finally {
      await s3.close();
    }
  });

  it('an upload whose part keeps failing is aborted: no parts are left and nothing is listed', async () => {
    const { proxy, endpoint } = await throughProxy();
    const prefix = freshPrefix();
    // One attempt per request: the cut part is not retried, so the upload fails.
    const s3 = backend(prefix, { settings: { endpoint }, tuning: { partBytes: 5 * MiB, partsInFlight: 1, requestAttempts: 1 } });
    try {
      await s3.list('data');
      const name = dataName();
      proxy.setFaults({ cutAfterBytes: 7 * MiB });
      const error = await failure(() => s3.write(name, randomBytes(12 * MiB)));
      expect(error).toMatchObject({ kind: 'transient', code: 'CONNECTION_FAILED' });
      expect(s3.requestCounts()['AbortMultipartUploadCommand']).toBe(1);
      expect(await uploadsInProgress(`${prefix}/`)).toBe(0);
      expect(await s3.list('data')).toEqual([]);
      expect((await failure(() => s3.stat(name))).kind).toBe('not-found');
    } finally {
      await s3.close();
    }
  });

  it('an upload in progress is never listed, and keys that are not repository names are ignored', async () => {
    const prefix = freshPrefix();
    const s3 = backend(prefix);
    const bucket = harness.s3d!.bucket;
    const pending = `${prefix}/${dataName()}`;
    const started = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: pending }));
    try {
      await admin.send(new UploadPartCommand({ Bucket: bucket, Key: pending, UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/data/ab/notes.txt`, Body: 'not ours' }));
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/index/${hex()}.tmp`, Body: 'not ours' }));
      const done = dataName();
      await s3.write(done, Buffer.from('complete'));
      expect(await s3.list('data')).toEqual([{ name: done, size: 8 }]);
      expect(await s3.list('index')).toEqual([]);
    } finally {
      await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: pending, UploadId: started.UploadId }));
      await s3.close();
    }
  });
});

describe('S3 listing', () => {
  it('pages through a folder larger than one page', async () => {
    const s3 = backend(freshPrefix(), { tuning: { listPageSize: 7 } });
    try {
      const names = Array.from({ length: 30 }, () => `index/${hex()}`);
      await Promise.all(names.map((name) => s3.write(name, Buffer.from(name))));
      const before = s3.requestCounts()['ListObjectsV2Command'] ?? 0;
      const listed = await s3.list('index');
      expect(listed.map((o) => o.name).sort()).toEqual([...names].sort());
      // 30 keys, 7 a page: 5 requests.
      expect((s3.requestCounts()['ListObjectsV2Command'] ?? 0) - before).toBe(5);
    } finally {
      await s3.close();
    }
  });
});

describe('S3 errors say what is wrong', () => {
  const expectRefusal = async (s3: Backend, code: string, message: RegExp) => {
    try {
      const error = await failure(() => s3.stat('config'));
      expect(error).toMatchObject({ kind: 'permanent', code });
      expect(error.message).toMatch(message);
      return error;
    } finally {
      await s3.close();
    }
  };

  it('a wrong secret key', async () => {
    const error = await expectRefusal(backend(freshPrefix(), { secret: 'not-the-secret-key' }), 'AUTH_FAILED', /secret access key does not belong/);
    expect(error.message).not.toContain('not-the-secret-key');
    expect(error.message).not.toContain(harness.s3d!.secretAccessKey);
  });

  it('an access key id the service does not know', async () => {
    await expectRefusal(backend(freshPrefix(), { settings: { accessKeyId: 'nobody:none' } }), 'AUTH_FAILED', /S3 service/);
  });

  it('a key without rights on the bucket', async () => {
    const s = harness.s3d!;
    await expectRefusal(backend(freshPrefix(), { settings: { accessKeyId: s.unprivileged.accessKeyId }, secret: s.unprivileged.secretAccessKey }), 'PERMISSION_DENIED', /no permission/);
  });

  it('a bucket that does not exist', async () => {
    await expectRefusal(backend(freshPrefix(), { settings: { bucket: 'no-such-bucket-here' } }), 'BUCKET_NOT_FOUND', /bucket no-such-bucket-here does not exist/);
  });

  it('a wrong region names the right one', async () => {
    await expectRefusal(backend(freshPrefix(), { settings: { region: 'eu-west-3' } }), 'WRONG_REGION', new RegExp(`not in region eu-west-3.*${harness.s3d!.region}`));
  });

  it("a clock an hour off (requests signed with this computer's wrong time)", async () => {
    await expectRefusal(backend(freshPrefix(), { tuning: { clockOffsetMs: 60 * 60 * 1000 } }), 'CLOCK_SKEW', /clock differs.*Set the clock/);
  });

  it('a self-signed certificate without the CA file', async () => {
    await expectRefusal(backend(freshPrefix(), { caFile: null }), 'TLS_UNTRUSTED', /does not validate/);
  });

  it('a storage class the service does not offer', async () => {
    const s3 = backend(freshPrefix(), { settings: { storageClass: 'NO_SUCH_CLASS' } });
    try {
      const error = await failure(() => s3.write(dataName(), Buffer.from('x')));
      expect(error).toMatchObject({ kind: 'permanent', code: 'BAD_REQUEST' });
      expect(error.message).toMatch(/storage class/);
    } finally {
      await s3.close();
    }
  });
});

describe('packs for object storage', () => {
  it('an S3 repository writes larger packs than the default, in the same format', async () => {
    const s = harness.s3d!;
    const prefix = freshPrefix();
    const open = () => openBackend(location(prefix), { password: s.secretAccessKey, caFile: s.caFile });
    const repo = await Repository.init(open(), 'pack size passphrase');
    const writer = repo.newBlobWriter();
    const blobs = Array.from({ length: 40 }, () => randomBytes(MiB));
    for (const blob of blobs) await writer.save('data', blob);
    await writer.flush();
    await repo.backend.close();
    expect(S3_PACK_TARGET_BYTES).toBeGreaterThan(40 * MiB);
    // 40 MiB in one pack; the engine's default (16 MiB) would have made three.
    const again = await Repository.open(open(), 'pack size passphrase');
    try {
      const packs = await again.backend.list('data');
      expect(packs).toHaveLength(1);
      expect(packs[0]!.size).toBeGreaterThan(40 * MiB);
      const id = again.hashBlob(blobs[17]!);
      expect((await again.readBlob(id)).equals(blobs[17]!)).toBe(true);
    } finally {
      await again.backend.close();
    }
  });
});

describe('a hostile S3 server', () => {
  it('a range read answered with far more bytes is refused without reading them', async () => {
    const { createServer } = await import('node:http');
    let finished = false;
    let sent = 0;
    const server = createServer((request, response) => {
      if (request.url?.includes('list-type=2')) {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>');
        return;
      }
      // 64 MiB for a read of 10 bytes, written as fast as the client takes it.
      const total = 64 * MiB;
      response.writeHead(206, { 'content-length': String(total), 'content-range': `bytes 0-${total - 1}/${total}` });
      const chunk = Buffer.alloc(MiB);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('finish', () => (finished = true));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const s3 = new S3Backend(
      parseStorageLocation(`s3://hostile-bucket/p`, { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', pathStyle: true, accessKeyId: 'k' }) as S3Location,
      { password: 'secret' },
      { ...DEFAULT_CONNECTION, timeoutSeconds: 10 },
    );
    try {
      const error = await failure(() => s3.read(dataName(), { offset: 0, length: 10 }));
      expect(error).toMatchObject({ kind: 'permanent', code: 'IO_ERROR' });
      expect(finished).toBe(false);
      expect(sent).toBeLessThan(64 * MiB);
    } finally {
      await s3.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
