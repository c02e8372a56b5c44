import { runCli } from '../helpers/cli';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';

// Issue 13, point 9: the app notices what the CLI (or run-due) saved while it runs, and its
// screens show it without a reload.
test.describe('changes made outside the running app', () => {
  test('a site and a destination added with the CLI appear on their screens without a reload', async ({ page, server, home }) => {
    const app = new AppPage(page);
    await app.open(server.url);
    const env = { ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'outside changes passphrase' };

    await app.go('Destinations');
    await expect(page.getByRole('heading', { name: 'Destinations' })).toBeVisible();
    const destination = await runCli(['destination', 'add', 'Vault From CLI', '--url', `${home}/repo`, '--passphrase-env', 'REPO_PASS'], env);
    expect(destination.code, destination.stderr).toBe(0);
    await expect(page.getByText('Vault From CLI').first()).toBeVisible();

    await app.go('Sites');
    await expect(page.getByRole('heading', { name: 'Back up your first site' })).toBeVisible();
    const site = await runCli(['site', 'add', 'Site From CLI', '--url', 'sftp://someone@127.0.0.1:2/srv/site', '--destination', 'Vault From CLI'], env);
    expect(site.code, site.stderr).toBe(0);
    await expect(page.getByText('Site From CLI')).toBeVisible();
  });
});
