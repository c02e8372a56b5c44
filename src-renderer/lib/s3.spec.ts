import { describe, expect, it } from 'vitest';
import { emptyS3Form, s3FormFromSettings, s3Problems, s3Settings, s3Url } from './s3';

const filled = () => ({ ...emptyS3Form(), name: 'Offsite', bucket: 'agency-backups', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

describe('the S3 destination form', () => {
  it('makes s3://bucket/folder with each folder name encoded, and the settings without the secret', () => {
    expect(s3Url({ bucket: 'agency-backups', prefix: '/clients/ sites 2026 /' })).toBe('s3://agency-backups/clients/sites%202026');
    expect(s3Url({ bucket: 'b-1', prefix: '' })).toBe('s3://b-1');
    const settings = s3Settings({ ...filled(), endpoint: ' https://s3.eu-central-1.wasabisys.com ', region: 'eu-central-1' });
    expect(settings).toEqual({ endpoint: 'https://s3.eu-central-1.wasabisys.com', region: 'eu-central-1', pathStyle: false, accessKeyId: 'AKIDEXAMPLE', storageClass: '' });
    expect(JSON.stringify(settings)).not.toContain('secret');
  });

  it('accepts a complete AWS form, and names each problem of a bad one', () => {
    expect(s3Problems(filled())).toEqual({});
    const problems = s3Problems({ ...filled(), provider: 'r2', name: '', bucket: 'Agency_Backups', region: 'EU', accessKeyId: 'AK ID', secretAccessKey: '', storageClass: 'standard', prefix: 'a/../b' });
    expect(problems).toEqual({
      name: 'A name is required.',
      endpoint: 'Cloudflare R2 needs its endpoint.',
      region: 'Lower-case letters, digits and - only (for example eu-central-1).',
      bucket: '3 to 63 lower-case letters, digits, dots and hyphens.',
      prefix: 'No “.”, “..” or backslashes.',
      accessKeyId: 'An access key ID has no spaces.',
      secretAccessKey: 'The secret access key is required.',
      storageClass: 'Upper-case letters, digits and _ (for example STANDARD_IA), or empty.',
    });
    expect(s3Problems({ ...filled(), endpoint: 'https://minio.lan:9000/bucket' }).endpoint).toMatch(/nothing after it/);
  });

  it('reads a saved destination back into its form (for editing), the secret key left empty', () => {
    const form = {
      ...emptyS3Form(),
      provider: 'b2' as const,
      name: 'B2',
      endpoint: 'https://s3.us-west-004.backblazeb2.com',
      region: 'us-west-004',
      bucket: 'my-bucket',
      prefix: 'agency/sites',
      accessKeyId: 'K004',
      secretAccessKey: '',
      pathStyle: false,
      storageClass: '',
      caFile: '',
      maxConnections: 4,
    };
    expect(s3FormFromSettings('B2', s3Url(form), s3Settings(form), { maxConnections: 4 })).toEqual(form);
    expect(s3FormFromSettings('AWS', 's3://b', { endpoint: '', region: 'eu-west-1', pathStyle: false, accessKeyId: 'A', storageClass: '' })).toMatchObject({ provider: 'aws', bucket: 'b', prefix: '' });
  });
});
