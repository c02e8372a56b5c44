import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { SiteWizardPage } from './pages/site-wizard-page';

// Issue 19: the wizard catches mistakes before saving.
test.describe('the wizard checks a site before it is saved', () => {
  test.setTimeout(120_000);

  test('a folder that does not exist stops it; an SFTP-only login is offered the files alone, with a warning kept to the review', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const placed = await placeSite(harness, 'sftp-only', 'e2e-verify');
    const sshd = harness.sshd!;
    const added = await runCli(['destination', 'add', 'Vault', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASS'], {
      ...process.env,
      SITEVAULT_HOME: home,
      REPO_PASS: 'verify in the wizard passphrase',
    });
    expect(added.code, added.stderr).toBe(0);
    const app = new AppPage(page);
    await app.open(server.url);
    await page.getByRole('button', { name: 'Add a site' }).click();
    const wizard = new SiteWizardPage(page);
    await wizard.fill({ protocol: 'SFTP / SSH', name: 'Client Verify', host: '127.0.0.1', port: sshd.port, username: sshd.sftp.username, password: sshd.sftp.password, folder: '/public_html/e2e-verfy' });
    await wizard.next();
    expect(await wizard.trust()).toBe(sshd.hostKeyFingerprint);
    const findings = wizard.panel.getByTestId('site-check');

    // Continue checks first: the typo is caught, and the wizard stays.
    await wizard.next();
    await expect(findings).toContainText('The folder /public_html/e2e-verfy does not exist on the server.');
    await expect(wizard.panel.getByRole('listitem').filter({ hasText: 'Verify' })).toHaveAttribute('aria-current', 'step');

    // Browsing into the right folder chooses it (no “Use this folder”); wp-config.php is there, but this login has no shell to dump the database.
    await wizard.browseTo(['public_html', 'e2e-verify']);
    await expect(wizard.panel.getByText(`Now ${placed.remotePath}.`)).toBeVisible();
    await wizard.next();
    await expect(findings).toContainText(`The database ${placed.database}`);
    await expect(findings).toContainText('this login cannot run commands (SFTP only, no shell)');
    const offers = wizard.panel.getByRole('group', { name: 'What works instead' });
    await expect(offers.getByRole('button', { name: 'Back up the files only' })).toBeVisible();
    await app.screenshot('wizard-verify');

    await offers.getByRole('button', { name: 'Back up the files only' }).click();
    await expect(wizard.panel.locator('select', { has: page.locator('option[value="none"]') })).toHaveValue('none');
    await wizard.panel.getByRole('button', { name: 'Back' }).click();
    await expect(findings).toContainText('Files only: the database will not be backed up.');
    await wizard.next();
    await wizard.next();
    await expect(wizard.panel.getByTestId('files-only-warning')).toContainText('Files only: the database will not be backed up');
  });
});
