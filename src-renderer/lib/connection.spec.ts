import { describe, expect, it } from 'vitest';
import { connectionFromSettings, connectionProblems, connectionUrl, emptyConnection, sameServer } from './connection';

describe('the wizard’s connection checks', () => {
  const valid = { ...emptyConnection('sftp'), name: 'Client A', host: 'example.com', username: 'deploy', folder: 'public_html' };

  it('accepts a complete form and builds a home-relative or absolute URL', () => {
    expect(connectionProblems(valid)).toEqual({});
    expect(connectionUrl(valid)).toBe('sftp://deploy@example.com:22/~/public_html');
    expect(connectionUrl({ ...valid, folder: '/var/www/html', protocol: 'ftps', port: 21 })).toBe('ftps://deploy@example.com:21/var/www/html');
    expect(connectionUrl({ ...valid, username: 'a@b', folder: 'my site' })).toBe('sftp://a%40b@example.com:22/~/my%20site');
  });

  it('names each problem as the user types', () => {
    expect(connectionProblems({ ...valid, name: 'x'.repeat(41) }).name).toBe('At most 40 characters (this one has 41).');
    expect(connectionProblems({ ...valid, name: '  ' }).name).toBe('A name is required.');
    expect(connectionProblems({ ...valid, name: 'a/b' }).name).toMatch(/slashes/);
    expect(connectionProblems({ ...valid, host: 'sftp://example.com' }).host).toMatch(/Only the host name/);
    expect(connectionProblems({ ...valid, port: 70000 }).port).toMatch(/1 to 65535/);
    expect(connectionProblems({ ...valid, username: '' }).username).toMatch(/required/);
    expect(connectionProblems({ ...valid, maxConnections: -1 }).maxConnections).toMatch(/unlimited/);
  });

  it('defaults the port by protocol', () => {
    expect(emptyConnection('sftp').port).toBe(22);
    expect(emptyConnection('ftps').port).toBe(21);
  });

  it('reads a saved address back into the form it was made from (for editing)', () => {
    for (const form of [valid, { ...valid, folder: '/var/www/html', protocol: 'ftps' as const, port: 2121 }, { ...valid, username: 'a@b', folder: 'my site' }, { ...valid, folder: '' }]) {
      expect(connectionFromSettings(form.name, connectionUrl(form), form)).toEqual(form);
    }
    expect(connectionFromSettings('x', 'ftp://u@h:21/p', { maxConnections: 4, passive: false })).toMatchObject({ protocol: 'ftp', folder: '/p', maxConnections: 4, passive: false, password: '' });
  });

  it('keeps a confirmed key only for the same protocol, host and port', () => {
    expect(sameServer(valid, { ...valid, host: 'EXAMPLE.com' })).toBe(true);
    expect(sameServer(valid, { ...valid, port: 2222 })).toBe(false);
    expect(sameServer(valid, { ...valid, protocol: 'ftps' })).toBe(false);
    expect(sameServer(valid, { ...valid, host: 'example.org' })).toBe(false);
  });
});
