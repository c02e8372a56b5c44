import { runCli } from '../helpers/cli';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';

// Issue 19: a failure stays on the dashboard, whoever ran the backup, after a reload too.
test.describe('site health on the dashboard', () => {
  test('a site whose backups fail from the CLI is red, says since when and why, and comes first', async ({ page, server, home }) => {
    const env = { ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'site health passphrase' };
    const cli = async (args: string[]) => runCli(args, env);
    expect((await cli(['destination', 'add', 'Vault', '--url', `${home}/repo`, '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
    // Port 2 on loopback: nothing listens, so every backup fails at once.
    for (const name of ['Alpha Never', 'Zulu Down']) {
      const added = await cli(['site', 'add', name, '--url', 'sftp://someone@127.0.0.1:2/srv/site', '--destination', 'Vault']);
      expect(added.code, added.stderr).toBe(0);
    }
    for (let i = 0; i < 2; i++) expect((await cli(['backup', '--site', 'Zulu Down'])).code).not.toBe(0);

    const app = new AppPage(page);
    await app.open(server.url);
    await expect(page.getByTestId('dashboard-summary')).toHaveText('0 protected, 1 failing, 0 stale, 1 never backed up');
    const cards = page.locator('li.card');
    await expect(cards.first()).toHaveAttribute('aria-label', 'Zulu Down');
    await expect(cards.first()).toHaveAttribute('data-state', 'failing');
    const failing = cards.first().getByTestId('site-failing');
    await expect(failing).toContainText('Failing since');
    await expect(failing).toContainText('(2 runs in a row)');
    // The core's fact, with the app's next step (never a command-line flag).
    await expect(failing).toContainText('No password or key was given for someone@127.0.0.1:2. Enter its password or choose a key file in its settings.');
    await expect(failing).not.toContainText('--');
    await expect(failing).toContainText('No good backup yet.');
    await page.screenshot({ path: 'test-results/screens/dashboard-failing.png', fullPage: true });

    // A backup the CLI runs while the app is open reaches the card without a reload.
    expect((await cli(['backup', '--site', 'Zulu Down'])).code).not.toBe(0);
    await expect(page.locator('li.card').first().getByTestId('site-failing')).toContainText('(3 runs in a row)');

    await page.reload();
    await expect(page.locator('li.card').first().getByTestId('site-failing')).toBeVisible();

    // The compact table: search, filter by status, and the choice of view kept after a reload.
    await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Table' }).click();
    const table = page.getByRole('table', { name: 'Sites' });
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(table.getByRole('row').nth(1)).toHaveAttribute('data-state', 'failing');
    await page.getByLabel('Status').selectOption('never');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row').nth(1)).toContainText('Alpha Never');
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search').fill('zulu');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row').nth(1)).toContainText('Zulu Down');
    await page.screenshot({ path: 'test-results/screens/dashboard-table.png', fullPage: true });
    await page.reload();
    await expect(page.getByRole('table', { name: 'Sites' })).toBeVisible();
    await expect(page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Table' })).toHaveAttribute('aria-pressed', 'true');
  });
});
