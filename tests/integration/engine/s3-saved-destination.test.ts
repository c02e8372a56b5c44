import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { describeTree } from '../../helpers/tree';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { generateSite } from '../../harness/site-generator';
import { placeSite, type PlacedSite } from '../../harness/site-placement';

/**
 * A saved S3 destination (`destination add NAME --url s3://…`): its settings in settings.json,
 * its secret access key in the keychain only, and its name working wherever REPO does, and as
 * a site's destination and second destination.
 */
const PASS = `saved s3 ${randomBytes(4).toString('hex')}`;
let harness: HarnessInfo;
let home: string;
let work: string;
let site: string;
let prefix: string;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = { ...process.env, SITEVAULT_HOME: home, ...extra };
  // Nothing of the repository comes from the environment: the saved destination has it all.
  for (const variable of ['SITEVAULT_PASSPHRASE', 'SITEVAULT_S3_ACCESS_KEY_ID', 'SITEVAULT_S3_SECRET_ACCESS_KEY']) if (!(variable in extra)) delete base[variable];
  return base;
};
const { sv, json } = cliWith(env);
const keys = () => ({ AK: harness.s3d!.accessKeyId, SK: harness.s3d!.secretAccessKey, REPO_PASS: PASS });
const addArgs = (name: string, where: string, extra: string[] = []) => {
  const s = harness.s3d!;
  return [
    'destination',
    'add',
    name,
    '--url',
    `s3://${s.bucket}/${where}`,
    '--endpoint',
    s.endpoint,
    '--region',
    s.region,
    '--access-key-id-env',
    'AK',
    '--secret-key-env',
    'SK',
    '--path-style',
    '--ca',
    s.caFile,
    '--passphrase-env',
    'REPO_PASS',
    ...extra,
  ];
};

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-s3-saved-home-'));
  work = await mkdtemp(join(tmpdir(), 'sv-s3-saved-'));
  site = join(work, 'site');
  await generateSite(site, { seed: 's3-saved', scale: 0.003, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'u', password: 'p' } });
  prefix = `saved/${randomBytes(4).toString('hex')}`;
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('a saved S3 destination', () => {
  it('is added from the CLI with its settings in settings.json and its secret key only in the keychain', async () => {
    const added = await sv(addArgs('Bucket', prefix, ['--storage-class', 'STANDARD']), keys());
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`s3://${harness.s3d!.bucket}/${prefix} at ${harness.s3d!.endpoint}, region ${harness.s3d!.region}`);
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(JSON.parse(settings).destinations).toEqual([
      expect.objectContaining({
        name: 'Bucket',
        url: `s3://${harness.s3d!.bucket}/${prefix}`,
        caFile: harness.s3d!.caFile,
        s3: { endpoint: harness.s3d!.endpoint, region: harness.s3d!.region, pathStyle: true, accessKeyId: harness.s3d!.accessKeyId, storageClass: 'STANDARD' },
      }),
    ]);
    expect(settings).not.toContain(harness.s3d!.secretAccessKey);
    expect(settings).not.toContain(PASS);
    const [listed] = await json(['destination', 'list', '--json']);
    expect(listed).toMatchObject({ name: 'Bucket', hasPassword: true, hasPassphrase: true, s3: { accessKeyId: harness.s3d!.accessKeyId } });
  });

  it('works wherever REPO does: init, backup, snapshots, restore, check, forget and prune', { timeout: 240_000 }, async () => {
    expect((await sv(['init', '--repo', 'Bucket'])).code).toBe(0);
    const first = await json(['backup', '--repo', 'Bucket', '--source', site, '--site', 'client-s3', '--json']);
    expect(first.files_new).toBeGreaterThan(20);
    const second = await json(['backup', '--repo', 'Bucket', '--source', site, '--site', 'client-s3', '--json']);
    expect(second).toMatchObject({ files_new: 0, files_changed: 0, bytes_read: 0 });
    const list = (await json(['snapshots', '--repo', 'Bucket', '--json'])) as Array<{ id: string; site: string }>;
    expect(list.map((s) => s.id)).toEqual([first.id, second.id]);
    const target = join(work, 'restored');
    expect((await sv(['restore', '--repo', 'Bucket', 'latest', '--target', target])).code).toBe(0);
    expect(await describeTree(target)).toEqual(await describeTree(site));
    const check = await sv(['check', '--repo', 'Bucket', '--read-data']);
    expect(check.stdout).toContain('No damage found.');
    const forgot = await json(['forget', '--repo', 'Bucket', '--keep-last', '1', '--prune', '--json']);
    expect(forgot.sites).toMatchObject([{ site: 'client-s3', remove: [{ id: first.id }] }]);
    expect(forgot.prune).not.toBeNull();
    expect(((await json(['snapshots', '--repo', 'Bucket', '--json'])) as unknown[]).length).toBe(1);
  });

  describe('as a site’s destination and second destination', () => {
    let placed: PlacedSite;
    beforeAll(async () => {
      placed = await placeSite(harness, 'ssh-shell', 's3-saved-site');
      expect((await sv(addArgs('Copies', `${prefix}-copies`), keys())).code).toBe(0);
      expect((await sv(['init', '--repo', 'Copies'])).code).toBe(0);
      const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
      const added = await sv(['site', 'add', 'S3 Site', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Bucket', '--copy-to', 'Copies'], {
        SHELL_PASSWORD: harness.sshd!.shell.password,
      });
      expect(added.code, added.stderr).toBe(0);
    });

    it('backs the site up into the bucket and copies the snapshot to the other one', { timeout: 180_000 }, async () => {
      const result = await sv(['backup', '--site', 'S3 Site', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const id = JSON.parse(result.stdout).id as string;
      const inBucket = (await json(['snapshots', '--repo', 'Bucket', '--site', 'S3 Site', '--json'])) as Array<{ id: string; kind: string }>;
      expect(inBucket).toMatchObject([{ id, kind: 'both' }]);
      const copies = (await json(['snapshots', '--repo', 'Copies', '--site', 'S3 Site', '--json'])) as Array<{ original: string }>;
      expect(copies).toMatchObject([{ original: id }]);
      const target = join(work, 'site-restored');
      expect((await sv(['restore', '--repo', 'Copies', 'latest', '--target', target])).code).toBe(0);
      const restored = await describeTree(target);
      const dump = Object.keys(restored).filter((path) => path.startsWith('.sitevault'));
      expect(dump).toContain('.sitevault/database.sql');
      for (const path of dump) delete restored[path];
      // Everything but the WordPress exclusions (page cache, other plugins' backups).
      const site = await describeTree(placed.diskPath);
      for (const path of Object.keys(site)) if (/^wp-content\/(cache|updraft)(\/|$)/.test(path)) delete site[path];
      expect(restored).toEqual(site);
    });
  });

  it('refuses flags that do not apply, and a missing key, with the reason', async () => {
    const noKeys = await sv(['destination', 'add', 'NoKeys', '--url', `s3://${harness.s3d!.bucket}/x`, '--endpoint', harness.s3d!.endpoint]);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('needs --access-key-id-env VAR and --secret-key-env VAR');
    const password = await sv([...addArgs('Mixed', 'x'), '--password-env', 'SK'], keys());
    expect(password.code).toBe(2);
    expect(password.stderr).toContain('--password-env does not apply to an s3:// destination');
    const sftp = await sv(['destination', 'add', 'Sftp', '--url', 'sftp://u@127.0.0.1/x', '--region', 'eu-west-1']);
    expect(sftp.code).toBe(2);
    expect(sftp.stderr).toContain('--region is for s3:// destinations only');
  });

  it('a wrong secret key is named as such, with the next step, and the key appears nowhere', async () => {
    const wrong = 'not-the-right-secret-key';
    expect((await sv(addArgs('Wrong', prefix), { ...keys(), SK: wrong })).code).toBe(0);
    const result = await sv(['snapshots', '--repo', 'Wrong']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the secret access key does not belong to the access key id');
    expect(result.stderr).toContain('--secret-key-env');
    expect(result.stderr).not.toContain(wrong);
    expect(await readFile(join(home, 'settings.json'), 'utf8')).not.toContain(wrong);
  });
});
