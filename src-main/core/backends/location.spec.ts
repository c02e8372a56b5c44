import { describe, expect, it } from 'vitest';
import { describeLocation, describeStorageLocation, normalizeS3Endpoint, parseLocation, parseS3Url, parseStorageLocation } from './location';

describe('parseLocation', () => {
  it('parses remote URLs with default ports', () => {
    expect(parseLocation('sftp://bob@example.com/srv/backups')).toEqual({ kind: 'sftp', host: 'example.com', port: 22, username: 'bob', path: '/srv/backups' });
    expect(parseLocation('ftps://bob@example.com:2121/b')).toMatchObject({ kind: 'ftps', port: 2121 });
    expect(parseLocation('ftp://b%40x@h/p%20q')).toMatchObject({ username: 'b@x', path: '/p q' });
  });

  it('keeps a home-relative path as ~/…', () => {
    expect(parseLocation('sftp://bob@h/~/backups').path).toBe('~/backups');
    expect(parseLocation('ftp://bob@h/~').path).toBe('~');
    expect(describeLocation(parseLocation('sftp://bob@h:22/~/backups'))).toBe('sftp://bob@h:22/~/backups');
  });

  it('treats anything else as a local path', () => {
    expect(parseLocation('relative/repo')).toEqual({ kind: 'local', path: `${process.cwd()}/relative/repo` });
  });

  it('refuses passwords in URLs, missing users and unknown schemes', () => {
    expect(() => parseLocation('sftp://bob:hunter2@h/x')).toThrow(/Do not put a password/);
    expect(() => parseLocation('sftp://h/x')).toThrow(/needs a user name/);
    expect(() => parseLocation('s3://bucket/x')).toThrow(/Unsupported location/);
  });
});

describe('S3 locations', () => {
  const settings = { endpoint: 'https://s3.example.com:9000/', region: 'eu-central-1', pathStyle: true, accessKeyId: 'AKIDEXAMPLE' };

  it('parses s3://bucket/prefix, with the settings given beside it', () => {
    expect(parseStorageLocation('s3://my-backups/agency/sites/', settings)).toEqual({
      kind: 's3',
      bucket: 'my-backups',
      prefix: 'agency/sites',
      endpoint: 'https://s3.example.com:9000',
      region: 'eu-central-1',
      pathStyle: true,
      accessKeyId: 'AKIDEXAMPLE',
      storageClass: '',
    });
    expect(parseS3Url('s3://my-backups')).toEqual({ bucket: 'my-backups', prefix: '' });
    expect(parseS3Url('s3://my-backups/a%20b//c')).toEqual({ bucket: 'my-backups', prefix: 'a b/c' });
  });

  it('defaults to AWS in us-east-1, and other schemes are parsed as before', () => {
    expect(parseStorageLocation('s3://b-1/x', { accessKeyId: 'K' })).toMatchObject({ endpoint: '', region: 'us-east-1', pathStyle: false });
    expect(parseStorageLocation('sftp://bob@h/x')).toMatchObject({ kind: 'sftp', host: 'h' });
  });

  it('names no key in descriptions', () => {
    const location = parseStorageLocation('s3://my-backups/p', settings);
    expect(describeStorageLocation(location)).toBe('s3://my-backups/p at https://s3.example.com:9000');
    expect(describeStorageLocation(location)).not.toContain('AKIDEXAMPLE');
  });

  it('refuses bad buckets, prefixes, endpoints and missing keys with the reason', () => {
    expect(() => parseS3Url('s3://Upper_Case/x')).toThrow(/not a valid bucket name/);
    expect(() => parseS3Url('s3://ab/x')).toThrow(/not a valid bucket name/);
    expect(() => parseS3Url('s3://key:secret@bucket/x')).toThrow(/Do not put credentials/);
    expect(() => parseS3Url('s3://bucket/a/../b')).toThrow(/cannot contain/);
    expect(() => parseS3Url('s3://bucket/x?versionId=1')).toThrow(/Not an S3 location/);
    expect(() => normalizeS3Endpoint('ftp://h')).toThrow(/must start with https/);
    expect(() => normalizeS3Endpoint('https://k:s@h')).toThrow(/credentials/);
    expect(() => normalizeS3Endpoint('https://h/bucket')).toThrow(/host and port only/);
    expect(() => parseStorageLocation('s3://bucket/x', { accessKeyId: ' ' })).toThrow(/needs an access key id/);
    expect(() => parseStorageLocation('s3://bucket/x', { accessKeyId: 'AK ID' })).toThrow(/access key id is at most 128/);
    expect(() => parseStorageLocation('s3://bucket/x', { accessKeyId: 'K', region: 'EU Central' })).toThrow(/not a region name/);
    expect(() => parseStorageLocation('s3://bucket/x', { accessKeyId: 'K', storageClass: 'standard ia' })).toThrow(/not a storage class name/);
    expect(() => parseStorageLocation('s3://bucket/x', { accessKeyId: 'K', storageClass: 'DEEP_ARCHIVE' })).toThrow(/offline until they are restored/);
    expect(parseStorageLocation('s3://bucket/x', { accessKeyId: 'K', region: 'auto', storageClass: 'GLACIER_IR' })).toMatchObject({ region: 'auto', storageClass: 'GLACIER_IR' });
  });

  it('keeps parseLocation for sites: s3:// is not a place to back up from', () => {
    expect(describeLocation(parseLocation('/tmp/x'))).toBe('/tmp/x');
  });
});
