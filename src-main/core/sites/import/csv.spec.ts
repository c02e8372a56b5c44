import { describe, expect, it } from 'vitest';
import { parseSitesCsv } from './csv';

describe('parseSitesCsv', () => {
  it('reads every column, with quoted commas and quotes, and leaves optional columns out', () => {
    const csv = [
      'name,protocol,host,port,user,password,folder,destination,tags',
      '"Acme, Inc.",sftp,acme.example.com,2222,acme,"pa,ss ""word"" ",/var/www/acme,offsite,"acme; maintenance"',
      'Bakery,ftps,ftp.bakery.test,,baker,secret,public_html,,',
      'Legacy,FTP,10.0.0.5,21,old,x,,,',
    ].join('\r\n');
    const { candidates, problems } = parseSitesCsv(csv);
    expect(problems).toEqual([]);
    expect(candidates[0]).toMatchObject({
      entry: 'row 1 (Acme, Inc.)',
      name: 'Acme, Inc.',
      protocol: 'sftp',
      host: 'acme.example.com',
      port: 2222,
      user: 'acme',
      password: 'pa,ss "word" ',
      folder: '/var/www/acme',
      destination: 'offsite',
      tags: ['acme', 'maintenance'],
    });
    expect(candidates[1]).toMatchObject({ name: 'Bakery', protocol: 'ftps', port: 21, folder: 'public_html', tags: [] });
    expect(candidates[1]).not.toHaveProperty('destination');
    expect(candidates[2]).toMatchObject({ protocol: 'ftp', notes: [expect.stringMatching(/unencrypted/), expect.stringMatching(/home folder/)] });
  });

  it('takes a file with only host and user (SFTP, port 22, the name from the host, no password)', () => {
    const { candidates } = parseSitesCsv('\uFEFFhost,user\nsite.example.com,me\n');
    expect(candidates).toEqual([expect.objectContaining({ name: 'site.example.com', protocol: 'sftp', port: 22, password: null, notes: expect.arrayContaining([expect.stringMatching(/no password/)]) })]);
  });

  it('skips bad rows with a reason each and keeps the good ones', () => {
    const csv = [
      'name,protocol,host,user,password',
      'S3 bucket,s3,bucket.example,u,p',
      'Dav,webdav,dav.example,u,p',
      '"Evil\u001b]0;title\u0007",sftp,a.example,u,p',
      'Host,sftp,"a.example\nb",u,p',
      'Option,sftp,-oProxyCommand=x,u,p',
      'Extra,sftp,a.example,u,p,unexpected',
      'Good,sftp,good.example,u,p',
      'Same,sftp,a.example,u,p',
      'Same,sftp,b.example,u,p',
    ].join('\n');
    const { candidates, problems } = parseSitesCsv(csv);
    expect(candidates.map((c) => c.name)).toEqual(['Good', 'Same', 'Same']);
    expect(problems).toEqual([
      { entry: 'row 1 (S3 bucket)', reason: expect.stringMatching(/protocol "s3" is not sftp, ftp or ftps/) },
      { entry: 'row 2 (Dav)', reason: expect.stringMatching(/protocol "webdav"/) },
      { entry: 'row 3', reason: expect.stringMatching(/name holds control characters/) },
      { entry: 'row 4 (Host)', reason: expect.stringMatching(/host holds control characters/) },
      { entry: 'row 5 (Option)', reason: expect.stringMatching(/not a host name/) },
      { entry: 'row 6 (Extra)', reason: expect.stringMatching(/6 cells for 5 columns/) },
    ]);
  });

  it('refuses a file that is too large, has no header it knows, or is not CSV', () => {
    expect(() => parseSitesCsv(`host,user\n${'a.example,u\n'.repeat(500_000)}`)).toThrow(/larger than 1 MB/);
    expect(() => parseSitesCsv('')).toThrow(/empty/);
    expect(() => parseSitesCsv('hostname,login\na,b\n')).toThrow(/does not know: "hostname", "login"/);
    expect(() => parseSitesCsv('name,host\na,b\n')).toThrow(/no user column/);
    expect(() => parseSitesCsv('host,user,host\na,b,c\n')).toThrow(/twice/);
  });

  it('never quotes a broken row in its reason: the field may be a password', () => {
    const { problems } = parseSitesCsv('host,user,password\na.example,u,My"S3cretPass\n');
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain('S3cret');
    expect(problems[0]!.reason).toMatch(/a quote inside a field/);
  });

  it('takes at most 500 rows', () => {
    const { candidates, problems } = parseSitesCsv(`host,user\n${'a.example,u\n'.repeat(510)}`);
    expect(candidates).toHaveLength(500);
    expect(problems).toEqual([{ entry: '10 more rows', reason: expect.stringMatching(/at most 500/) }]);
  });
});
