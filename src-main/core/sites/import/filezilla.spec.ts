import { describe, expect, it } from 'vitest';
import { fileZillaExport } from '../../../../tests/helpers/filezilla-export';
import { decodeFileZillaPath, parseFileZilla } from './filezilla';
import { siteUrlOf } from './candidate';

// What FileZilla 3.66 writes, by hand: nested folders, base64 passwords, every protocol it has.
const REAL_EXPORT = `<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3 version="3.66.4" platform="windows">
    <Servers>
        <Server>
            <Host>shop.example.com</Host>
            <Port>22</Port>
            <Protocol>1</Protocol>
            <Type>0</Type>
            <User>shopuser</User>
            <Pass encoding="base64">czNjcjN0ICYgPHNwYWNlcz4g</Pass>
            <Logontype>1</Logontype>
            <PasvMode>MODE_DEFAULT</PasvMode>
            <EncodingType>Auto</EncodingType>
            <BypassProxy>0</BypassProxy>
            <Name>Shop &amp; Co</Name>
            <RemoteDir>1 0 4 home 8 shopuser 11 public_html</RemoteDir>
            <SyncBrowsing>0</SyncBrowsing>
            <DirectoryComparison>0</DirectoryComparison>
        </Server>
        <Folder expanded="1">Clients
            <Server>
                <Host>ftp.acme.test</Host>
                <Port>21</Port>
                <Protocol>0</Protocol>
                <Type>0</Type>
                <User>acme</User>
                <Pass encoding="base64">YWNtZS1wYXNz</Pass>
                <Logontype>1</Logontype>
                <Name>Acme</Name>
                <RemoteDir>1 0 3 www</RemoteDir>
            </Server>
            <Server>
                <Host>203.0.113.9</Host>
                <Port>2121</Port>
                <Protocol>4</Protocol>
                <User>bob</User>
                <Pass encoding="base64">Ym9iLXBhc3M=</Pass>
                <Logontype>1</Logontype>
                <Name>Bob's bakery</Name>
                <RemoteDir>1 0 3 var 3 www 12 bob bakery 2</RemoteDir>
            </Server>
            <Folder expanded="0">Old / archived
                <Server>
                    <Host>legacy.example.net</Host>
                    <Port>21</Port>
                    <Protocol>6</Protocol>
                    <User>legacy</User>
                    <Pass>plain-text-old</Pass>
                    <Logontype>1</Logontype>
                    <Name>Legacy</Name>
                    <RemoteDir></RemoteDir>
                </Server>
            </Folder>
        </Folder>
        <Server>
            <Host>files.example.org</Host>
            <Port>990</Port>
            <Protocol>3</Protocol>
            <User>implicit</User>
            <Pass encoding="base64">eA==</Pass>
            <Logontype>1</Logontype>
            <Name>Implicit</Name>
        </Server>
        <Server>
            <Host>s3.amazonaws.com</Host>
            <Port>443</Port>
            <Protocol>7</Protocol>
            <User>AKIAEXAMPLE</User>
            <Logontype>1</Logontype>
            <Name>Bucket</Name>
        </Server>
        <Server>
            <Host>dav.example.org</Host>
            <Port>443</Port>
            <Protocol>9</Protocol>
            <User>dav</User>
            <Logontype>1</Logontype>
            <Name>Dav</Name>
        </Server>
        <Server>
            <Host>key.example.com</Host>
            <Port>2222</Port>
            <Protocol>1</Protocol>
            <User>deploy</User>
            <Keyfile>/home/me/.ssh/id_ed25519</Keyfile>
            <Logontype>5</Logontype>
            <Name>Key login</Name>
            <RemoteDir>1 0 3 srv 4 site</RemoteDir>
        </Server>
        <Server>
            <Host>ask.example.com</Host>
            <Port>22</Port>
            <Protocol>1</Protocol>
            <User>asker</User>
            <Logontype>2</Logontype>
            <Name>Ask</Name>
        </Server>
        <Server>
            <Host>crypt.example.com</Host>
            <Port>22</Port>
            <Protocol>1</Protocol>
            <User>c</User>
            <Pass encoding="crypt" pubkey="abc">ZZZZ</Pass>
            <Logontype>1</Logontype>
            <Name>Crypt</Name>
        </Server>
    </Servers>
</FileZilla3>
`;

describe('parseFileZilla', () => {
  const { candidates, problems } = parseFileZilla(REAL_EXPORT);
  const byEntry = new Map(candidates.map((c) => [c.entry, c]));

  it('reads each site of a real export: host, port, protocol, user, base64 password, decoded folder', () => {
    expect(byEntry.get('Shop & Co')).toMatchObject({
      name: 'Shop & Co',
      protocol: 'sftp',
      host: 'shop.example.com',
      port: 22,
      user: 'shopuser',
      password: 's3cr3t & <spaces> ',
      folder: '/home/shopuser/public_html',
    });
    expect(byEntry.get('Clients/Acme')).toMatchObject({ name: 'Clients-Acme', protocol: 'ftps', host: 'ftp.acme.test', password: 'acme-pass', folder: '/www' });
    expect(byEntry.get("Clients/Bob's bakery")).toMatchObject({ protocol: 'ftps', host: '203.0.113.9', port: 2121, folder: '/var/www/bob bakery 2' });
    expect(byEntry.get('Clients/Old / archived/Legacy')).toMatchObject({ name: 'Clients-Old - archived-Legacy', protocol: 'ftp', password: 'plain-text-old', folder: '' });
    expect(byEntry.get('Key login')).toMatchObject({ protocol: 'sftp', port: 2222, identityFile: '/home/me/.ssh/id_ed25519', password: null, folder: '/srv/site' });
  });

  it('says what needs attention: TLS only if offered, plain FTP, no folder, passwords it cannot read', () => {
    expect(byEntry.get('Clients/Acme')!.notes.join(' ')).toMatch(/TLS only when the server offered it/);
    expect(byEntry.get('Clients/Old / archived/Legacy')!.notes).toEqual([expect.stringMatching(/unencrypted/), expect.stringMatching(/home folder/)]);
    expect(byEntry.get('Key login')!.notes).toEqual([expect.stringContaining('the key file /home/me/.ssh/id_ed25519: check that it is this site’s key')]);
    expect(byEntry.get('Ask')).toMatchObject({ password: null });
    expect(byEntry.get('Ask')!.notes.join(' ')).toMatch(/asks for its password/);
    expect(byEntry.get('Crypt')).toMatchObject({ password: null });
    expect(byEntry.get('Crypt')!.notes.join(' ')).toMatch(/master password/);
  });

  it('skips implicit FTPS, S3 and WebDAV with a reason each, and keeps the rest', () => {
    expect(problems).toEqual([
      { entry: 'Implicit', reason: expect.stringMatching(/implicit FTPS/) },
      { entry: 'Bucket', reason: expect.stringMatching(/protocol is Amazon S3/) },
      { entry: 'Dav', reason: expect.stringMatching(/protocol is WebDAV/) },
    ]);
    expect(candidates).toHaveLength(7);
  });

  it('makes addresses site:save takes, with the home folder as /~', () => {
    expect(siteUrlOf(byEntry.get('Clients/Old / archived/Legacy')!)).toBe('ftp://legacy@legacy.example.net:21/~');
    expect(siteUrlOf(byEntry.get("Clients/Bob's bakery")!)).toBe('ftps://bob@203.0.113.9:2121/var/www/bob%20bakery%202');
  });

  it('decodes FileZilla’s path form and refuses what is not a Unix path', () => {
    expect(decodeFileZillaPath('1 0 4 home 3 www')).toBe('/home/www');
    expect(decodeFileZillaPath('')).toBe('');
    expect(decodeFileZillaPath('1 0')).toBe('/');
    expect(() => decodeFileZillaPath('1 0 2 ..')).toThrow(/not a folder name/);
    expect(() => decodeFileZillaPath('1 0 9 short')).toThrow(/cut short/);
    expect(() => decodeFileZillaPath('3 3 C:\\ 4 Site')).toThrow(/Unix-style/);
  });
});

describe('parseFileZilla with hostile files', () => {
  it('refuses a file over 1 MB before parsing it', () => {
    const huge = `<FileZilla3><Servers>${'<Server><Host>a</Host></Server>'.repeat(200_000)}</Servers></FileZilla3>`;
    expect(() => parseFileZilla(huge)).toThrow(/larger than 1 MB/);
  });

  it('refuses entity declarations (billion laughs) without expanding anything', () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<FileZilla3><Servers><Server><Host>&lol3;</Host><Protocol>1</Protocol><User>u</User><Name>x</Name></Server></Servers></FileZilla3>`;
    expect(() => parseFileZilla(laughs)).toThrow(/DOCTYPE/);
  });

  it('skips entries with control characters in the name, host, user or folder, and hosts that are not hosts', () => {
    const xml = fileZillaExport([
      { name: 'Evil\u001b[2Jname', host: 'a.example', port: 22, protocol: 1, user: 'u', password: 'p' },
      { name: 'Bidi', host: 'b.example', port: 22, protocol: 1, user: 'u\u202eser', password: 'p' },
      { name: 'Option host', host: '-oProxyCommand=id', port: 22, protocol: 1, user: 'u', password: 'p' },
      { name: 'Url host', host: 'a.example/x@y', port: 22, protocol: 1, user: 'u', password: 'p' },
      { name: 'Bad port', host: 'c.example', port: 70000, protocol: 1, user: 'u', password: 'p' },
      { name: 'Dots', host: 'd.example', port: 22, protocol: 1, user: 'u', password: 'p', remoteDir: ['..', 'etc'] },
      { name: 'Good', host: 'e.example', port: 22, protocol: 1, user: 'u', password: 'p' },
    ]);
    const { candidates, problems } = parseFileZilla(xml);
    expect(candidates.map((c) => c.name)).toEqual(['Good']);
    expect(problems.map((p) => p.reason)).toEqual([
      expect.stringMatching(/name holds control characters/),
      expect.stringMatching(/user name holds control characters/),
      expect.stringMatching(/not a host name/),
      expect.stringMatching(/not a host name/),
      expect.stringMatching(/port/),
      expect.stringMatching(/not a folder name/),
    ]);
    expect(problems[0]!.entry).not.toContain('\u001b');
  });

  it('takes a key file only from this computer: a network path (which Windows would open over SMB) or a relative one is not kept', () => {
    const keyed = (name: string, keyfile: string) => ({ name, host: 'k.example', port: 22, protocol: 1, user: 'u', logontype: 5, keyfile });
    const { candidates } = parseFileZilla(
      fileZillaExport([
        keyed('Unc', '\\\\203.0.113.5\\s\\k'),
        keyed('Slashes', '//203.0.113.5/s/k'),
        keyed('Relative', 'keys/k'),
        keyed('Unix', '/home/me/.ssh/id_ed25519'),
        keyed('Windows', 'C:\\Users\\me\\k.ppk'),
      ]),
    );
    expect(candidates.map((c) => [c.name, c.identityFile])).toEqual([
      ['Unc', null],
      ['Slashes', null],
      ['Relative', null],
      ['Unix', '/home/me/.ssh/id_ed25519'],
      ['Windows', 'C:\\Users\\me\\k.ppk'],
    ]);
    expect(candidates[0]!.notes).toContain('Its key file is not a file on this computer (a network or relative path): choose the key file.');
  });

  it('keeps duplicate names as they are (the import renames them) and takes at most 500 entries', () => {
    const many = Array.from({ length: 503 }, () => ({ name: 'Same', host: 'a.example', port: 22, protocol: 1, user: 'u', password: 'p' }));
    const { candidates, problems } = parseFileZilla(fileZillaExport(many));
    expect(candidates).toHaveLength(500);
    expect(new Set(candidates.map((c) => c.name))).toEqual(new Set(['Same']));
    expect(problems).toEqual([{ entry: '3 more sites', reason: expect.stringMatching(/at most 500/) }]);
  });

  it('never quotes the file in its errors: a broken tag may hold a password', () => {
    expect(() => parseFileZilla('<FileZilla3><Servers><Server><Pass>pw</Passs3cret-value></Server></Servers></FileZilla3>')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret-value') }),
    );
  });

  it('refuses what is not XML or not FileZilla’s, and folders nested without end', () => {
    expect(() => parseFileZilla('name,host\n')).toThrow(/not valid XML/);
    expect(() => parseFileZilla('<sites><site/></sites>')).toThrow(/no FileZilla3 element/);
    expect(() => parseFileZilla('<FileZilla3><Servers><Server>')).toThrow(/not valid XML|FileZilla/);
    const deep = `<FileZilla3><Servers>${'<Folder>f'.repeat(40)}<Server><Host>a</Host></Server>${'</Folder>'.repeat(40)}</Servers></FileZilla3>`;
    expect(() => parseFileZilla(deep)).toThrow();
  });
});
