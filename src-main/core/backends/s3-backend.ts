import { readKeyFileSync } from './key-files';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type StorageClass } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { assertObjectName, BackendError, type Backend, type BackendProperties, type ByteRange, type ObjectInfo } from './backend';
import type { ConnectionSecrets, ConnectionSettings } from './connection';
import { describeStorageLocation, type S3Location } from './location';
import { bucketNotFound, classifyS3Error } from './s3-errors';

import { S3_PACK_TARGET_BYTES, S3_PART_BYTES } from './s3-sizes';

export { S3_PACK_TARGET_BYTES, S3_PART_BYTES };

/** Knobs with sensible defaults; tests make them small to exercise paging and multipart cheaply. */
export interface S3Tuning {
  /** Bytes per multipart part (the service's minimum is 5 MiB); larger objects use multipart. */
  partBytes?: number;
  /** Parts of one object in flight at once. */
  partsInFlight?: number;
  /** Keys per list request (services cap it at 1000). */
  listPageSize?: number;
  /** Attempts per HTTP request inside the SDK (a failed part is retried here, the upload goes on). */
  requestAttempts?: number;
  /** Milliseconds added to this computer's clock when signing (tests simulate a wrong clock). */
  clockOffsetMs?: number;
}

// The SDK warns once per process on Node < 22 about its future support; that is for
// developers, not for a CLI user's terminal (the desktop app's Node is newer anyway).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const OBJECT_NAME = /^(config|(keys|locks|snapshots|index)\/[0-9a-f]{64}|data\/[0-9a-f]{2}\/[0-9a-f]{64})$/;

/**
 * A repository in an S3-compatible bucket, under a prefix, through the AWS SDK. A PUT is
 * atomic and a multipart upload becomes visible only when completed, so no listing ever
 * shows a partial object. The first request checks the bucket, so a wrong key, a missing
 * bucket, a wrong region or a wrong clock are reported as such, not as "no repository".
 */
export class S3Backend implements Backend {
  readonly properties: BackendProperties;
  readonly #client: S3Client;
  readonly #base: string;
  readonly #tuning: Required<Omit<S3Tuning, 'clockOffsetMs'>>;
  readonly #requests = new Map<string, number>();
  #checked: Promise<void> | null = null;

  constructor(
    private readonly target: S3Location,
    secrets: ConnectionSecrets,
    settings: ConnectionSettings,
    tuning: S3Tuning = {},
  ) {
    this.properties = { location: describeStorageLocation(target), maxConnections: settings.maxConnections, packTargetBytes: S3_PACK_TARGET_BYTES, cacheMetadata: true };
    this.#base = target.prefix ? `${target.prefix}/` : '';
    const partsInFlight = tuning.partsInFlight ?? (settings.maxConnections > 0 ? Math.min(4, settings.maxConnections) : 4);
    this.#tuning = {
      partBytes: tuning.partBytes ?? S3_PART_BYTES,
      partsInFlight,
      listPageSize: tuning.listPageSize ?? 1000,
      requestAttempts: tuning.requestAttempts ?? 3,
    };
    const timeoutMs = settings.timeoutSeconds * 1000;
    const agentOptions = { keepAlive: true, maxSockets: settings.maxConnections > 0 ? settings.maxConnections : 16 };
    let ca: Buffer | undefined;
    try {
      ca = secrets.caFile ? readKeyFileSync(secrets.caFile, 'CA file') : undefined;
    } catch (error) {
      // Reported by the first operation, like any other failure to reach the service.
      this.#checked = Promise.reject(error);
      this.#checked.catch(() => {});
    }
    this.#client = new S3Client({
      region: target.region,
      endpoint: target.endpoint || undefined,
      forcePathStyle: target.pathStyle,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: secrets.password ?? '' },
      maxAttempts: this.#tuning.requestAttempts,
      systemClockOffset: tuning.clockOffsetMs,
      // The signed payload hash (x-amz-content-sha256) already protects each upload; the newer
      // CRC trailers and aws-chunked bodies are refused by many S3-compatible services.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        connectionTimeout: timeoutMs,
        requestTimeout: timeoutMs,
        httpsAgent: new HttpsAgent({ ...agentOptions, ca }),
        httpAgent: new HttpAgent(agentOptions),
      }),
    });
    // Every HTTP request (retries and parts included), by operation: providers bill by request.
    this.#client.middlewareStack.add(
      (next, context) => (args) => {
        const operation = context.commandName ?? 'unknown';
        this.#requests.set(operation, (this.#requests.get(operation) ?? 0) + 1);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'sitevaultRequestCounter', override: true },
    );
  }

  /** HTTP requests sent so far, by S3 operation (ListObjectsV2Command, PutObjectCommand, …). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#requests);
  }

  #context(name: string) {
    return { location: this.properties.location, bucket: this.target.bucket, region: this.target.region, name };
  }

  /** The first request: does the bucket exist, do the keys, the region and the clock work? */
  #check(): Promise<void> {
    this.#checked ??= (async () => {
      try {
        await this.#client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: this.#base, MaxKeys: 1 }));
      } catch (error) {
        const classified = classifyS3Error(error, this.#context('(bucket)'));
        // Anything that "does not exist" here is the bucket itself.
        if (classified.kind === 'not-found') throw bucketNotFound(this.#context('(bucket)'), { cause: error });
        throw classified;
      }
    })();
    this.#checked.catch(() => {
      this.#checked = null;
    });
    return this.#checked;
  }

  async #run<T>(name: string, work: () => Promise<T>): Promise<T> {
    await this.#check();
    try {
      return await work();
    } catch (error) {
      throw classifyS3Error(error, this.#context(name));
    }
  }

  #key(name: string): string {
    return `${this.#base}${name}`;
  }

  async list(folder: string): Promise<ObjectInfo[]> {
    const prefix = this.#key(`${folder}/`);
    return this.#run(folder, async () => {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: prefix, MaxKeys: this.#tuning.listPageSize, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(this.#base.length);
          // Only the repository's own names: anything else someone put there is not ours.
          if (name && OBJECT_NAME.test(name)) out.push({ name, size: object.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    });
  }

  async stat(name: string): Promise<ObjectInfo> {
    assertObjectName(name);
    return this.#run(name, async () => {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: this.#key(name) }));
      return { name, size: head.ContentLength ?? 0 };
    });
  }

  async read(name: string, range?: ByteRange): Promise<Buffer> {
    assertObjectName(name);
    if (range && range.length === 0) return Buffer.alloc(0);
    const bytes = await this.#run(name, async () => {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: this.#key(name), Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined }));
      if (!response.Body) return Buffer.alloc(0);
      // A server that answers a range with more than was asked is not read into memory.
      if (range && response.ContentLength !== undefined && response.ContentLength > range.length) {
        (response.Body as { destroy?: () => void }).destroy?.();
        throw new BackendError('permanent', 'IO_ERROR', `The S3 service answered a read of ${range.length} bytes of ${name} with ${response.ContentLength} bytes (${this.properties.location}).`);
      }
      const array = await response.Body.transformToByteArray();
      return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    });
    if (range && bytes.length !== range.length) {
      throw new BackendError('permanent', 'TRUNCATED', `${name} is shorter than expected (read ${bytes.length} of ${range.length} bytes at ${range.offset}).`);
    }
    return bytes;
  }

  async write(name: string, data: Buffer): Promise<void> {
    assertObjectName(name);
    const params = {
      Bucket: this.target.bucket,
      Key: this.#key(name),
      Body: data,
      ContentLength: data.length,
      ContentType: 'application/octet-stream',
      StorageClass: (this.target.storageClass || undefined) as StorageClass | undefined,
    };
    await this.#run(name, async () => {
      if (data.length <= this.#tuning.partBytes) {
        await this.#client.send(new PutObjectCommand(params));
        return;
      }
      // Each part is retried by the SDK; if one still fails, the upload is aborted (its parts
      // deleted) and nothing appears under the name.
      const upload = new Upload({ client: this.#client, params, partSize: this.#tuning.partBytes, queueSize: this.#tuning.partsInFlight, leavePartsOnError: false });
      await upload.done();
    });
  }

  async delete(name: string): Promise<void> {
    assertObjectName(name);
    // S3 answers a DELETE of a missing key with success; the interface reports it.
    await this.stat(name);
    await this.#run(name, () => this.#client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.#key(name) })));
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
