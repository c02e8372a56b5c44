import { describe, expect, it } from 'vitest';
import { trustedBy, type PinnedServer } from './known-servers';

const key = 'SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const cert = 'SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const saved: PinnedServer[] = [
  { kind: 'site', name: 'Client A', url: 'sftp://a@Host.example:2222/~/site', hostKey: key, tlsFingerprint: null },
  { kind: 'destination', name: 'Vault', url: 'sftp://backup@host.example:2222/backups', hostKey: key, tlsFingerprint: null },
  { kind: 'site', name: 'Other port', url: 'sftp://a@host.example:22/~/site', hostKey: key, tlsFingerprint: null },
  { kind: 'site', name: 'FTPS', url: 'ftps://a@host.example:21/site', hostKey: null, tlsFingerprint: cert },
  { kind: 'destination', name: 'Local', url: '/backups', hostKey: null, tlsFingerprint: null },
];

describe('a server already trusted by a saved site or destination', () => {
  it('is the same host and port with the same key, whatever the login or folder', () => {
    expect(trustedBy('sftp://new@host.example:2222/~/other', key, saved)).toEqual([
      { kind: 'site', name: 'Client A' },
      { kind: 'destination', name: 'Vault' },
    ]);
  });

  it('is not another key, another port, another kind of pin, or plain FTP', () => {
    expect(trustedBy('sftp://new@host.example:2222/', 'SHA256:changed', saved)).toEqual([]);
    expect(trustedBy('sftp://new@host.example:2200/', key, saved)).toEqual([]);
    expect(trustedBy('ftps://new@host.example:2222/', key, saved)).toEqual([]);
    expect(trustedBy('ftps://new@host.example:21/', cert, saved)).toEqual([{ kind: 'site', name: 'FTPS' }]);
    expect(trustedBy('ftp://new@host.example:21/', null, saved)).toEqual([]);
  });
});
