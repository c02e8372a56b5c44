import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { fileZillaExport } from '../helpers/filezilla-export';
import { loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';

// Issue 19, "Bring your clients in": a FileZilla export comes in through the app; each server is confirmed before its password is sent, then the site is looked at.
test('import sites from FileZilla: preview, import, confirm the server, detection', async ({ page, server, home }) => {
  test.setTimeout(120_000);
  const harness = await loadHarnessInfo();
  const ssh = harness.sshd!;
  const placed = await placeSite(harness, 'ssh-shell', 'e2e-import');
  const env = { ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'imported in the app passphrase' };
  expect((await runCli(['destination', 'add', 'Vault', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASS'], env)).code).toBe(0);
  expect((await runCli(['init', '--repo', 'Vault'], env)).code).toBe(0);
  const exportFile = join(home, 'sitemanager.xml');
  await writeFile(
    exportFile,
    fileZillaExport([{ name: 'Shop', host: '127.0.0.1', port: ssh.port, protocol: 1, user: ssh.shell.username, password: ssh.shell.password, remoteDir: placed.remotePath.split('/').filter(Boolean) }], {
      Clients: [
        { name: 'Bakery', host: 'ftp.bakery.example', port: 21, protocol: 4, user: 'baker', password: 'bakery-secret', remoteDir: ['www'] },
        { name: 'Bucket', host: 's3.example', port: 443, protocol: 7, user: 'key' },
      ],
    }),
  );

  const app = new AppPage(page);
  await app.open(server.url);
  await page.getByRole('button', { name: 'Import sites' }).click();
  const screen = page.getByRole('region', { name: 'Import sites' });
  await screen.getByLabel('File to import').setInputFiles(exportFile);
  await expect(screen.getByLabel('Format')).toHaveValue('filezilla');
  await expect(screen.getByLabel('Back up to')).toHaveValue('Vault');
  await screen.getByRole('button', { name: 'Preview' }).click();
  const preview = screen.getByRole('table', { name: 'Sites to import' });
  await expect(preview.getByRole('row')).toHaveCount(3);
  await expect(screen.getByRole('list', { name: 'Skipped' })).toContainText('Clients/Bucket: its protocol is Amazon S3');
  expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites).toEqual([]);

  await screen.getByRole('button', { name: 'Import 2 sites' }).click();
  await expect(screen.getByRole('heading', { name: 'Imported 2 sites' })).toBeVisible();
  const settings = await readFile(join(home, 'settings.json'), 'utf8');
  expect(settings).not.toContain(ssh.shell.password);
  expect(settings).not.toContain('bakery-secret');
  const shop = screen.getByTestId('attention-Shop');
  await expect(shop).toContainText('Confirm the server’s host key first: SiteVault sends it no password until you do.');
  await expect(screen.getByTestId('attention-Clients-Bakery')).toContainText('Confirm the server’s certificate first');

  await shop.getByRole('button', { name: 'Confirm the server' }).click();
  await shop.getByRole('button', { name: 'Test the connection' }).click();
  await expect(shop.getByTestId('fingerprint')).toHaveText(ssh.hostKeyFingerprint);
  await expect(shop.getByRole('button', { name: 'Trust it and look at the site' })).toBeDisabled();
  await shop.getByLabel('I recognise this host key: trust it').check();
  await shop.getByRole('button', { name: 'Trust it and look at the site' }).click();
  await expect(shop.getByTestId('wordpress')).toContainText('detected');
  await expect(shop.getByTestId('database')).toContainText(`${placed.database}`);
  await expect(shop.getByTestId('database')).toContainText('reachable');
  await expect(shop.getByText('Confirmed')).toBeVisible();
  expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites.find((s: { name: string }) => s.name === 'Shop')).toMatchObject({ hostKey: ssh.hostKeyFingerprint, destination: 'Vault' });
  await page.screenshot({ path: 'docs/screens/import.png', fullPage: true });

  await screen.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('heading', { name: 'Shop', exact: true })).toBeVisible();
});
