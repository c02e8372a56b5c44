import { BackendError, notFound } from './backend';

/** What a message about an S3 failure may name: never a key or a secret. */
export interface S3ErrorContext {
  /** `s3://bucket/prefix at endpoint`, for messages. */
  location: string;
  bucket: string;
  region: string;
  /** The object (or `(bucket)` for a check of the bucket itself). */
  name: string;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  Region?: string;
  Endpoint?: string;
  ServerTime?: string;
  RequestTime?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
/** Codes that say "try again later": throttling and the service's own trouble. */
const TRANSIENT_CODES = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'ThrottlingException', 'Throttling', 'RequestThrottled', 'TooManyRequestsException', 'OperationAborted']);

/** The region a refusal names as the right one, when it names one. */
function expectedRegion(error: SdkError): string | undefined {
  const fromHeader = error.$response?.headers?.['x-amz-bucket-region'];
  if (fromHeader) return fromHeader;
  if (error.Region) return error.Region;
  return /expecting '([a-z0-9-]+)'/i.exec(error.message ?? '')?.[1];
}

/** S3's times: ISO 8601, or the compact form of signatures (20260101T113000Z). */
function parseTime(value: string | undefined): number {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (compact) return Date.UTC(Number(compact[1]), Number(compact[2]) - 1, Number(compact[3]), Number(compact[4]), Number(compact[5]), Number(compact[6]));
  return Date.parse(value ?? '');
}

/** How far off this computer's clock is, from the times the service sent back (minutes, rounded). */
function skewMinutes(error: SdkError): number | undefined {
  const server = parseTime(error.ServerTime ?? error.$response?.headers?.['date']);
  const request = parseTime(error.RequestTime);
  if (Number.isNaN(server) || Number.isNaN(request)) return undefined;
  return Math.round((request - server) / 60_000);
}

/** The bucket the destination names is not at its endpoint. */
export function bucketNotFound(context: S3ErrorContext, cause: { cause: unknown }): BackendError {
  return new BackendError('permanent', 'BUCKET_NOT_FOUND', `The bucket ${context.bucket} does not exist (${context.location}). Check the bucket name and the endpoint, or create the bucket first.`, {
    ...cause,
    hint: 's3-bucket',
  });
}

/**
 * Maps a failure of the AWS SDK (a service error, a network error, a TLS error) to one of
 * the backend's three kinds, with a message that names the cause and the next step.
 */
export function classifyS3Error(error: unknown, context: S3ErrorContext): BackendError {
  if (error instanceof BackendError) return error;
  const e = (error ?? {}) as SdkError;
  const code = e.name === 'Error' || !e.name ? (e.Code ?? e.code ?? '') : e.name;
  const status = e.$metadata?.httpStatusCode;
  const where = context.location;
  const detail = e.message ? `: ${e.message.slice(0, 300)}` : '';
  const cause = { cause: error };

  switch (code) {
    case 'NoSuchKey':
    case 'NotFound':
      return notFound(where, context.name);
    case 'NoSuchBucket':
      return bucketNotFound(context, cause);
    case 'InvalidAccessKeyId':
      return new BackendError('permanent', 'AUTH_FAILED', `The S3 service (${where}) does not know this access key id. Check the access key id, and that the key was not deleted or disabled.`, {
        ...cause,
        hint: 's3-keys',
      });
    case 'SignatureDoesNotMatch':
      return new BackendError('permanent', 'AUTH_FAILED', `The S3 service (${where}) refused the request signature: the secret access key does not belong to the access key id. Check both keys.`, {
        ...cause,
        hint: 's3-keys',
      });
    case 'AccessDenied':
    case 'Forbidden':
    case 'AllAccessDisabled':
    case 'AccountProblem':
      return new BackendError(
        'permanent',
        'PERMISSION_DENIED',
        `The S3 service (${where}) denied access to ${context.name}: the key has no permission for it (it needs to list, read, write and delete objects under the prefix)${detail}`,
        cause,
      );
    case 'AuthorizationHeaderMalformed':
    case 'PermanentRedirect':
    case 'IllegalLocationConstraintException':
    case 'InvalidRegion': {
      const right = expectedRegion(e);
      if (code !== 'AuthorizationHeaderMalformed' || right || /region/i.test(e.message ?? '')) {
        return new BackendError(
          'permanent',
          'WRONG_REGION',
          `The bucket ${context.bucket} is not in region ${context.region}${right ? `: the service says it is in ${right}` : ''} (${where}). Set the destination's region${right ? ` to ${right}` : ''}.`,
          { ...cause, hint: 's3-region' },
        );
      }
      return new BackendError('permanent', 'AUTH_FAILED', `The S3 service (${where}) refused the request's credentials${detail}`, { ...cause, hint: 's3-keys' });
    }
    case 'RequestTimeTooSkewed':
    case 'RequestExpired': {
      const minutes = skewMinutes(e);
      const by = minutes === undefined ? 'by more than 15 minutes' : `by about ${Math.abs(minutes)} minutes (${minutes > 0 ? 'ahead' : 'behind'})`;
      return new BackendError(
        'permanent',
        'CLOCK_SKEW',
        `This computer's clock differs from the S3 service's ${by}, so the service refuses its requests (${where}). Set the clock right (turn on automatic date and time) and try again.`,
        cause,
      );
    }
    case 'InvalidStorageClass':
      return new BackendError(
        'permanent',
        'BAD_REQUEST',
        `The S3 service (${where}) does not offer the destination's storage class${detail}. Choose another storage class, or leave it empty for the provider's default.`,
        cause,
      );
    case 'InvalidRange':
      return new BackendError('permanent', 'TRUNCATED', `${context.name} is shorter than the part asked for (${where}).`, cause);
    case 'QuotaExceeded':
    case 'StorageQuotaExceeded':
    case 'InsufficientStorage':
      return new BackendError('permanent', 'NO_SPACE', `The S3 service (${where}) refused ${context.name}: the account's storage quota is full${detail}`, cause);
    case 'TimeoutError':
      return new BackendError('transient', 'CONNECTION_FAILED', `The S3 service (${where}) did not answer in time${detail}`, cause);
  }
  if (TLS_CODES.has(e.code ?? '') || /self[- ]signed certificate|certificate has expired|unable to verify|altnames/i.test(e.message ?? '')) {
    return new BackendError(
      'permanent',
      'TLS_UNTRUSTED',
      `The TLS certificate of ${where} does not validate (${e.code ?? e.message}). Check the endpoint's host name, or give the CA that issued its certificate.`,
      { ...cause, hint: 's3-certificate' },
    );
  }
  if (e.code === 'ENOTFOUND') return new BackendError('permanent', 'CONNECTION_FAILED', `Unknown host in the S3 endpoint (${where}).`, cause);
  if (NETWORK_CODES.has(e.code ?? '') || TRANSIENT_CODES.has(code) || (status !== undefined && status >= 500) || status === 429) {
    return new BackendError('transient', 'CONNECTION_FAILED', `S3 request for ${context.name} failed (${where}): ${code || e.code || `HTTP ${status}`}${detail}`, cause);
  }
  if (status === 404) return notFound(where, context.name);
  if (status === 403) {
    return new BackendError('permanent', 'PERMISSION_DENIED', `The S3 service (${where}) refused ${context.name} (HTTP 403). Check the keys and their permissions.`, cause);
  }
  if (status !== undefined) return new BackendError('permanent', 'IO_ERROR', `The S3 service (${where}) refused ${context.name}: ${code || `HTTP ${status}`}${detail}`, cause);
  // No HTTP status: the request never got an answer (socket closed, aborted, …).
  return new BackendError('transient', 'CONNECTION_FAILED', `S3 request for ${context.name} failed (${where})${detail}`, cause);
}
