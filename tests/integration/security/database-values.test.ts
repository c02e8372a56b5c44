import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith, startServe } from '../../helpers/cli';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite, type PlacedSite } from '../../harness/site-placement';
import { startFaultProxy } from '../../harness/fault-proxy';

// Issue 13, point 3: whoever can edit a client's wp-config.php must not reach the MySQL
// client's options (and through them, code run as the SSH login); a changed DB_HOST or
// DB_NAME is reported.
let harness: HarnessInfo;
let home: string;
let repo: string;
let placed: PlacedSite;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SITEVAULT_HOME: home,
  SITEVAULT_PASSPHRASE: 'db values passphrase',
  SHELL_PASSWORD: harness.sshd!.shell.password,
  ...extra,
});
const { sv, json } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-dbvalues-'));
  repo = join(home, 'repo');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function addSite(name: string, path: string): Promise<void> {
  const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${path}`;
  const added = await sv(['site', 'add', name, '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint]);
  expect(added.stderr).toBe('');
}

describe('database settings read from a compromised site', () => {
  it('a line break in DB_PASSWORD is refused by the dump, the test, the preview and the import, naming the field; nothing runs', async () => {
    placed = await placeSite(harness, 'ssh-shell', 'db-inject');
    await addSite('Inject', placed.remotePath);
    // A clean backup first, with the database: the restore below needs a dump to import.
    const clean = await json(['backup', '--repo', repo, '--site', 'Inject', '--json']);
    expect(clean.kind).toBe('both');

    const marker = join(harness.sshd!.shell.home, 'sitevault-injected.sql');
    await rm(marker, { force: true });
    const config = join(placed.diskPath, 'wp-config.php');
    const original = await readFile(config, 'utf8');
    // PHP turns "\n" in a double-quoted string into a real line break.
    const password = harness.mariadb!.wp.password;
    const doubleQuoted = password.replace(/[\\"$]/g, (c) => `\\${c}`);
    const hostile = original.replace(/define\( 'DB_PASSWORD', .*\);/, () => `define( 'DB_PASSWORD', "${doubleQuoted}\\n[mysqldump]\\nresult-file=${marker}\\n[mysql]\\ntee=${marker}" );`);
    expect(hostile).not.toBe(original);
    await writeFile(config, hostile);

    const backup = await sv(['backup', '--repo', repo, '--site', 'Inject']);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(/UNSAFE_DATABASE_SETTINGS/);
    expect(backup.stderr).toMatch(/DB_PASSWORD/);
    expect(backup.stderr).not.toContain('result-file');

    const test = await sv(['site', 'test', 'Inject']);
    expect(test.code).not.toBe(0);
    expect(test.stderr).toMatch(/DB_PASSWORD/);

    const preview = await sv(['restore', '--repo', repo, clean.id, '--to-site', 'Inject', '--dry-run']);
    expect(preview.code).not.toBe(0);
    expect(preview.stderr).toMatch(/UNSAFE_DATABASE_SETTINGS.*|DB_PASSWORD/);

    const restore = await sv(['restore', '--repo', repo, clean.id, '--to-site', 'Inject', '--db-only', '--no-safety-snapshot']);
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toMatch(/DB_PASSWORD/);

    // A value longer than the MySQL client's option-file line (it reads the rest as a line of its own).
    const long = original.replace(/define\( 'DB_PASSWORD', .*\);/, () => `define( 'DB_PASSWORD', '${'x'.repeat(4085)}plugin-dir=/tmp' );`);
    await writeFile(config, long);
    const longBackup = await sv(['backup', '--repo', repo, '--site', 'Inject']);
    expect(longBackup.code).not.toBe(0);
    expect(longBackup.stderr).toMatch(/DB_PASSWORD\) from wp-config\.php of Inject is longer than 1024 bytes/);

    expect(existsSync(marker)).toBe(false);
    // The files alone still back up: the refusal is about the database.
    expect((await sv(['backup', '--repo', repo, '--site', 'Inject', '--files-only'])).code).toBe(0);
  });

  it('a DB_HOST that changed since setup is a warning on the snapshot and on the site in the app', async () => {
    const drift = await placeSite(harness, 'ssh-shell', 'db-drift');
    await addSite('Drift', drift.remotePath);
    const first = await json(['backup', '--repo', repo, '--site', 'Drift', '--json']);
    expect(first.warnings).toEqual([]);

    // Same server, another host name: what an attacker pointing the site elsewhere would change.
    const config = join(drift.diskPath, 'wp-config.php');
    await writeFile(config, (await readFile(config, 'utf8')).replace(`'127.0.0.1:${harness.mariadb!.port}'`, `'localhost:${harness.mariadb!.port}'`));
    const second = await json(['backup', '--repo', repo, '--site', 'Drift', '--json']);
    const warning = (second.warnings as Array<{ path: string; message: string }>).find((w) => w.path === 'wp-config.php');
    expect(warning?.message).toMatch(new RegExp(`now names the database ${drift.database} on localhost:${harness.mariadb!.port}; it named ${drift.database} on 127\\.0\\.0\\.1:`));

    const serve = await startServe(env());
    try {
      const response = await fetch(`${serve.origin}/api/call/site:list`, { method: 'POST', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: '{}' });
      const sites = ((await response.json()) as { result: { sites: Array<{ name: string; databaseSettingsChanged: string | null }> } }).result.sites;
      expect(sites.find((s) => s.name === 'Drift')?.databaseSettingsChanged).toMatch(/may be compromised/);
      expect(sites.find((s) => s.name === 'Inject')?.databaseSettingsChanged).toBeNull();
    } finally {
      await serve.stop();
    }

    // Editing the site without touching its database keeps the warning: only the user's acceptance clears it.
    const edited = await sv(['site', 'edit', 'Drift', '--timeout', '31', '--exclude', 'wp-content/cache/']);
    expect(edited.code, edited.stderr).toBe(0);
    const driftInfo = async () => ((await json(['site', 'list', '--json'])) as Array<{ name: string; databaseSettingsChanged: string | null }>).find((s) => s.name === 'Drift')!;
    expect((await driftInfo()).databaseSettingsChanged).toMatch(/may be compromised/);
    expect((await sv(['site', 'list'])).stdout).toMatch(/Drift[\s\S]*wp-config\.php now names the database/);
    const accepted = await sv(['site', 'accept-database', 'Drift']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((await driftInfo()).databaseSettingsChanged).toBeNull();
    const third = await json(['backup', '--repo', repo, '--site', 'Drift', '--json']);
    expect(third.warnings).toEqual([]);
  });

  it('a database password saved for the site is not sent to a DB_HOST that changed, until the change is accepted', async () => {
    const bound = await placeSite(harness, 'ssh-shell', 'db-bound');
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${bound.remotePath}`;
    const added = await sv(['site', 'add', 'Bound', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db-password-env', 'SAVED_DB_PASSWORD'], {
      SAVED_DB_PASSWORD: harness.mariadb!.wp.password,
    });
    expect(added.code, added.stderr).toBe(0);
    expect((await json(['backup', '--repo', repo, '--site', 'Bound', '--json'])).kind).toBe('both');

    // wp-config.php now points at another server (here a proxy in front of the same MariaDB, which counts connections).
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: harness.mariadb!.port });
    try {
      const config = join(bound.diskPath, 'wp-config.php');
      await writeFile(config, (await readFile(config, 'utf8')).replace(`'127.0.0.1:${harness.mariadb!.port}'`, `'127.0.0.1:${proxy.port}'`));
      const refused = await sv(['backup', '--repo', repo, '--site', 'Bound']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/UNSAFE_DATABASE_SETTINGS/);
      expect(refused.stderr).toMatch(
        new RegExp(
          `now names the database ${bound.database} on 127\\.0\\.0\\.1:${proxy.port}; the database password saved for Bound was given for ${bound.database} on 127\\.0\\.0\\.1:${harness.mariadb!.port}`,
        ),
      );
      expect(refused.stderr).toMatch(/sitevault site accept-database NAME/);
      expect(proxy.stats().connections).toBe(0);

      expect((await sv(['site', 'accept-database', 'Bound'])).code).toBe(0);
      const after = await json(['backup', '--repo', repo, '--site', 'Bound', '--json']);
      expect(after.kind).toBe('both');
      expect(proxy.stats().connections).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });
});
