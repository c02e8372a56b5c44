import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { accountPasswordEnv, loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { DestinationsPage } from './pages/destinations-page';
import { SiteWizardPage } from './pages/site-wizard-page';

// Issue 19: sites and destinations are edited and removed in the app, and a name is never silently replaced.
test.describe('editing and removing sites and destinations', () => {
  test.setTimeout(180_000);

  test('a login failure offers “Update the password”; the edit keeps every other setting; removing asks first and says what stays', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const placed = await placeSite(harness, 'ssh-shell', 'e2e-edit');
    const env = { ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'edit in the app passphrase', WRONG: 'not the password', ...accountPasswordEnv(harness) };
    const cli = (args: string[]) => runCli(args, env);
    expect((await cli(['destination', 'add', 'Vault', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
    expect((await cli(['init', '--repo', 'Vault'])).code).toBe(0);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const added = await cli([
      'site',
      'add',
      'Client Edit',
      '--url',
      url,
      '--password-env',
      'WRONG',
      '--host-key',
      harness.sshd!.hostKeyFingerprint,
      '--db',
      'none',
      '--destination',
      'Vault',
      '--keep-daily',
      '21',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect((await cli(['backup', '--site', 'Client Edit'])).code).not.toBe(0);

    const app = new AppPage(page);
    await app.open(server.url);
    const card = page.locator('li.card', { has: page.getByRole('heading', { name: 'Client Edit' }) });
    await expect(card.getByTestId('site-failing')).toContainText('Check the user name and password or key with your host.');
    await card.getByRole('button', { name: 'Update the password' }).click();

    const wizard = page.getByRole('region', { name: 'Edit Client Edit' });
    await expect(wizard.getByLabel('Name', { exact: true })).toHaveValue('Client Edit');
    await expect(wizard.getByLabel('Name', { exact: true })).toHaveJSProperty('readOnly', true);
    await expect(wizard.getByLabel('Host')).toHaveValue('127.0.0.1');
    await expect(wizard.getByLabel('Username')).toHaveValue(harness.sshd!.shell.username);
    await expect(wizard.getByLabel('Site folder')).toHaveValue(placed.remotePath);
    await expect(wizard.getByLabel('Password', { exact: true })).toHaveValue('');
    await expect(wizard).toContainText('Leave it empty to keep the password saved in the keychain.');
    await wizard.getByLabel('Password', { exact: true }).fill(harness.sshd!.shell.password);
    await page.screenshot({ path: 'test-results/screens/site-edit-password.png', fullPage: true });
    await wizard.getByRole('button', { name: 'Continue' }).click();
    // Same server: the key confirmed before stays, and nothing has to be confirmed again.
    await expect(wizard.getByTestId('kept-pin')).toContainText(harness.sshd!.hostKeyFingerprint);
    await wizard.getByRole('button', { name: 'Continue' }).click();
    await expect(wizard.getByLabel('Back up to')).toHaveValue('Vault');
    await expect(wizard.getByLabel('Keep daily')).toHaveValue('21');
    await wizard.getByRole('button', { name: 'Continue' }).click();
    await expect(wizard.getByRole('definition').filter({ hasText: 'the new one replaces the saved one in the system keychain' })).toBeVisible();
    await wizard.getByRole('button', { name: 'Save changes' }).click();
    await expect(wizard.getByRole('heading', { name: 'Client Edit is saved' })).toBeVisible();
    await wizard.getByRole('button', { name: 'Done' }).click();

    // “Back up all now”: every site with a destination, through the queue.
    await page.getByRole('button', { name: 'Back up all now' }).click();
    await expect(page.getByRole('status').filter({ hasText: '1 backup queued' })).toBeVisible();
    await expect(card).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
    const saved = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites[0];
    expect(saved).toMatchObject({ name: 'Client Edit', url, hostKey: harness.sshd!.hostKeyFingerprint, retention: { daily: 21 }, database: { mode: 'none' } });

    // Activity filters its finished jobs by site and by result.
    await app.go('Activity');
    const filters = page.getByRole('group', { name: 'Filter finished jobs' });
    await filters.getByLabel('Site').selectOption('Client Edit');
    await expect(page.getByRole('row', { name: /Client Edit/ })).toHaveCount(1);
    await filters.getByLabel('Result').selectOption('failed');
    await expect(page.getByText('No finished job matches these filters.')).toBeVisible();
    await filters.getByLabel('Result').selectOption('succeeded');
    await expect(page.getByRole('row', { name: /Client Edit/ })).toHaveCount(1);
    await app.go('Sites');

    // The same name in the Add wizard is refused, and says what to do instead.
    await page.getByRole('button', { name: 'Add a site' }).click();
    const adding = new SiteWizardPage(page);
    await adding.fill({ protocol: 'SFTP / SSH', name: 'Client Edit', host: '127.0.0.1', port: harness.sshd!.port, username: harness.sshd!.shell.username, password: 'x', folder: '/srv/other' });
    await adding.next();
    await adding.trust();
    // The server is the one Client Edit trusts: its key is reused, not asked about again.
    await expect(adding.panel.getByTestId('already-trusted')).toContainText('Already trusted (used by the site Client Edit)');
    // Verify (on Continue) refuses the name before anything else is checked.
    await adding.next();
    await expect(adding.panel.getByRole('alert')).toContainText('A site named Client Edit is already saved; nothing was changed. Choose another name for this site, or cancel');
    await adding.panel.getByRole('button', { name: 'Back' }).click();
    await adding.panel.getByRole('button', { name: 'Cancel' }).click();

    // A destination that a site uses cannot be removed from under it.
    await app.go('Destinations');
    await page.getByRole('row', { name: /Vault/ }).getByRole('button', { name: 'Remove…' }).click();
    await expect(page.getByTestId('confirm-remove-destination')).toContainText('Client Edit backs up to Vault. Choose another destination for it');

    // Removing the site asks first, and says what happens to its snapshots and its secrets.
    await app.go('Sites');
    await card.getByRole('button', { name: 'Remove…' }).click();
    const confirm = card.getByTestId('confirm-remove');
    await expect(confirm).toContainText('Its snapshot stays in Vault; its passwords are removed from the system keychain');
    await page.screenshot({ path: 'test-results/screens/site-remove-confirm.png', fullPage: true });
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await expect(card).toBeVisible();
    await card.getByRole('button', { name: 'Remove…' }).click();
    await card.getByRole('button', { name: 'Remove the site' }).click();
    await expect(page.getByRole('heading', { name: 'Back up your first site' })).toBeVisible();
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')).sites).toEqual([]);
    const snapshots = await cli(['snapshots', '--repo', 'Vault', '--json']);
    expect(JSON.parse(snapshots.stdout)).toHaveLength(1);

    // Now the destination can go; the repository stays where it is.
    await app.go('Destinations');
    await page.getByRole('row', { name: /Vault/ }).getByRole('button', { name: 'Edit' }).click();
    const editForm = page.getByRole('form', { name: 'Edit Vault' });
    await expect(editForm.getByRole('textbox', { name: 'Folder' })).toHaveValue(join(home, 'repo'));
    await editForm.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('row', { name: /Vault/ }).getByRole('button', { name: 'Remove…' }).click();
    await expect(page.getByTestId('confirm-remove-destination')).toContainText(`The repository and its snapshots stay where they are (${join(home, 'repo')})`);
    await page.getByRole('button', { name: 'Remove the destination' }).click();
    await expect(page.getByText('No destination yet.')).toBeVisible();
    expect(await readdir(join(home, 'repo'))).toContain('snapshots');

    // A key confirmed for one server does not count for another: changing the address after the test drops it.
    const destinations = new DestinationsPage(page);
    const sshd = harness.sshd!;
    const shown = await destinations.addServer(
      { protocol: 'SFTP / SSH', name: 'Moved', host: '127.0.0.1', port: sshd.port, username: sshd.shell.username, password: sshd.shell.password, folder: 'backups' },
      'a passphrase here',
    );
    expect(shown).toBe(sshd.hostKeyFingerprint);
    await destinations.form.getByLabel('Host', { exact: true }).fill('localhost');
    await expect(destinations.form.getByTestId('fingerprint')).toHaveCount(0);
    await expect(destinations.form.getByRole('list').filter({ hasText: 'Test the connection and confirm what the server presented.' })).toBeVisible();
  });
});
