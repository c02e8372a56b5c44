import { describe, expect, it } from 'vitest';
import { classifyS3Error } from './s3-errors';

const context = { location: 's3://b/p', bucket: 'b', region: 'us-east-1', name: 'data/ab/x' };
const serviceError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} message`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, ...extra });

// AWS answers some cases in ways the test server (Swift's s3api) does not; these are AWS's shapes.
describe('classifyS3Error', () => {
  it("AWS's redirect to the bucket's region names that region", () => {
    const error = classifyS3Error(serviceError('PermanentRedirect', 301, { $response: { headers: { 'x-amz-bucket-region': 'eu-west-3' } } }), context);
    expect(error).toMatchObject({ kind: 'permanent', code: 'WRONG_REGION' });
    expect(error.message).toMatch(/region to eu-west-3/);
  });

  it('a HEAD refused without a body (403) is a permission problem, a 404 is not-found', () => {
    expect(classifyS3Error(serviceError('Forbidden', 403), context)).toMatchObject({ kind: 'permanent', code: 'PERMISSION_DENIED' });
    expect(classifyS3Error(serviceError('NotFound', 404), context)).toMatchObject({ kind: 'not-found' });
  });

  it('throttling, server errors and dropped connections are transient; an unknown host is not', () => {
    expect(classifyS3Error(serviceError('SlowDown', 503), context)).toMatchObject({ kind: 'transient' });
    expect(classifyS3Error(serviceError('InternalError', 500), context)).toMatchObject({ kind: 'transient' });
    expect(classifyS3Error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), context)).toMatchObject({ kind: 'transient', code: 'CONNECTION_FAILED' });
    expect(classifyS3Error(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), context)).toMatchObject({ kind: 'permanent', code: 'CONNECTION_FAILED' });
  });

  it('a clock skew says by how much, from the times the service sent back', () => {
    const error = classifyS3Error(serviceError('RequestTimeTooSkewed', 403, { ServerTime: '2026-01-01T10:00:00Z', RequestTime: '20260101T113000Z' }), context);
    expect(error).toMatchObject({ code: 'CLOCK_SKEW' });
    expect(error.message).toMatch(/about 90 minutes \(ahead\)/);
  });

  it('a full quota is NO_SPACE', () => {
    expect(classifyS3Error(serviceError('QuotaExceeded', 403), context)).toMatchObject({ kind: 'permanent', code: 'NO_SPACE' });
  });
});
