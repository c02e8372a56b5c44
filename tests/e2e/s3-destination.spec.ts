import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { DestinationsPage } from './pages/destinations-page';
import { HistoryPage } from './pages/history-page';

// Issue 20: an S3 destination from the wizard, its Test reporting what is wrong in the app's
// words, a site backed up into it, and another installation's snapshot of a site of the same
// name told apart in the history.
test.describe('an S3 destination', () => {
  test.setTimeout(300_000);

  test('is added in the wizard after a Test that names each mistake, and a site backs up into it', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const s3 = harness.s3d!;
    const folder = `e2e/${randomBytes(4).toString('hex')}`;
    const passphrase = 'e2e s3 bucket passphrase';
    const app = new AppPage(page);
    await app.open(server.url);
    await app.go('Destinations');
    const destinations = new DestinationsPage(page);
    await destinations.fillS3({
      provider: 'MinIO or another S3-compatible server',
      name: 'Team bucket',
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      folder,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: 'not the secret key',
      caFile: '',
    });
    // Self-hosted servers want path-style addressing: the provider's choice sets it.
    await expect(destinations.form.getByRole('checkbox', { name: /Path-style/ })).toBeChecked();
    await destinations.passphrase(passphrase);
    await expect(destinations.form.getByRole('button', { name: 'Save destination' })).toBeDisabled();
    await expect(destinations.form.getByText('Test the connection (again, after a change).')).toBeVisible();

    // Its certificate comes from a CA of its own.
    await destinations.testS3();
    await expect(destinations.testResult).toContainText('does not validate');
    await expect(destinations.testResult).toContainText('give its CA certificate file under Advanced');
    await destinations.form.getByLabel('CA certificate file', { exact: true }).fill(s3.caFile);

    // A secret key that is not the access key's.
    await destinations.testS3();
    await expect(destinations.testResult).toContainText('the secret access key does not belong to the access key id');
    await expect(destinations.testResult).toContainText('Copy both keys again from your provider’s console');
    await destinations.form.getByLabel('Secret access key', { exact: true }).fill(s3.secretAccessKey);

    // The wrong region.
    await destinations.form.getByLabel('Region', { exact: true }).fill('eu-west-3');
    await destinations.testS3();
    await expect(destinations.testResult).toContainText(`The bucket ${s3.bucket} is not in region eu-west-3`);
    await expect(destinations.testResult).toContainText('Correct the destination’s Region');
    await destinations.form.getByLabel('Region', { exact: true }).fill(s3.region);

    // A bucket that does not exist.
    await destinations.form.getByLabel('Bucket', { exact: true }).fill('no-such-bucket-here');
    await destinations.testS3();
    await expect(destinations.testResult).toContainText('The bucket no-such-bucket-here does not exist');
    await expect(destinations.testResult).toContainText('create it in your provider’s console first');
    await destinations.form.getByLabel('Bucket', { exact: true }).fill(s3.bucket);

    await destinations.testS3();
    await expect(destinations.testResult).toContainText(`Connected to s3://${s3.bucket}/${folder} at ${s3.endpoint}. Saving creates a new encrypted repository there.`);
    await app.screenshot('s3-01-destination-form');
    await destinations.save();
    await expect(destinations.saved).toContainText('Team bucket is ready: a new encrypted repository was created there');
    await expect(page.getByRole('row').filter({ hasText: 'Team bucket' })).toContainText('secret access key, passphrase');
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).toContain(s3.accessKeyId);
    expect(settings).not.toContain(s3.secretAccessKey);
    expect(settings).not.toContain(passphrase);
    await app.screenshot('s3-02-destinations');

    // A site whose destination it is (saved with the CLI into the same profile), backed up from its card.
    const placed = await placeSite(harness, 'ssh-shell', 'e2e-s3-site');
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const added = await runCli(['site', 'add', 'Client S3', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--destination', 'Team bucket'], {
      ...process.env,
      SITEVAULT_HOME: home,
      SHELL_PASSWORD: harness.sshd!.shell.password,
    });
    expect(added.code, added.stderr).toBe(0);
    await app.go('Sites');
    const card = page.getByRole('listitem', { name: 'Client S3' });
    await card.getByRole('button', { name: 'Back up now' }).click();
    await expect(card.getByTestId('last-backup')).toContainText('files and database', { timeout: 180_000 });
    await card.getByRole('button', { name: 'History' }).click();
    const history = new HistoryPage(page);
    await expect(history.snapshots).toHaveCount(1);
    await expect(history.snapshots.first()).not.toContainText('another installation');

    // Another installation (another data folder) backs up its own site of the same name into the bucket.
    const other = await mkdtemp(join(tmpdir(), 'sv-e2e-other-'));
    try {
      await mkdir(join(other, 'site'));
      await writeFile(join(other, 'site', 'index.php'), '<?php // the other installation’s site');
      const theirs = await runCli(
        [
          'backup',
          '--repo',
          `s3://${s3.bucket}/${folder}`,
          '--s3-endpoint',
          s3.endpoint,
          '--s3-region',
          s3.region,
          '--s3-path-style',
          '--ca',
          s3.caFile,
          '--source',
          join(other, 'site'),
          '--site',
          'Client S3',
          '--json',
        ],
        { ...process.env, SITEVAULT_HOME: join(other, 'home'), SITEVAULT_PASSPHRASE: passphrase, SITEVAULT_S3_ACCESS_KEY_ID: s3.accessKeyId, SITEVAULT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
      );
      expect(theirs.code, theirs.stderr).toBe(0);
      const installation = JSON.parse(await readFile(join(other, 'home', 'settings.json'), 'utf8')).installation as string;
      await app.go('Sites');
      await card.getByRole('button', { name: 'History' }).click();
      await expect(history.snapshots).toHaveCount(2);
      await expect(history.snapshots.first()).toContainText(`made by another installation on ${hostname()} (${installation.slice(0, 8)})`);
      await expect(history.snapshots.first()).toContainText('1 files');
      await expect(history.snapshots.last()).not.toContainText('another installation');
      await app.screenshot('s3-03-history-two-installations');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
