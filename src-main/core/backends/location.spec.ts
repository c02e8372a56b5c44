import { describe, expect, it } from 'vitest';
import { describeLocation, parseLocation } from './location';

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
