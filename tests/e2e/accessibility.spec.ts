import { join } from 'node:path';
import { loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expectNoSeriousViolations } from './accessibility';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { fillConnection, testAndTrust } from './pages/connection-form';
import { DestinationsPage } from './pages/destinations-page';
import { HistoryPage } from './pages/history-page';
import { RestorePage } from './pages/restore-page';
import { SiteWizardPage } from './pages/site-wizard-page';

// Issue 19, keyboard and screen readers: axe-core on every screen (no serious or critical
// violation, light and dark themes), and focus that follows each new screen and step.
test.describe('accessibility', () => {
  test.setTimeout(300_000);

  test('every screen and wizard step passes axe, and focus moves to each new step’s heading', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const sshd = harness.sshd!;
    await placeSite(harness, 'ssh-shell', 'e2e-a11y');
    const app = new AppPage(page);
    await app.open(server.url);
    await expect(page.getByRole('heading', { name: 'Back up your first site' })).toBeVisible();

    // The skip link is the first thing Tab reaches, and leads past the navigation.
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('main')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('main').getByRole('button', { name: 'Add a site' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Sites (empty)');

    for (const [section, heading, screen] of [
      ['About', 'About this installation', 'Status'],
      ['Settings', 'Settings', 'Settings'],
      ['Activity', 'Activity', 'Activity (empty)'],
      ['Destinations', 'Destinations', 'Destinations (none yet)'],
    ] as const) {
      await app.go(section);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeFocused();
      await expectNoSeriousViolations(page, screen);
    }

    // The destination form, for each kind of destination; a folder on this computer is saved.
    const destinations = new DestinationsPage(page);
    await page.getByRole('button', { name: 'Add a destination' }).click();
    await expect(destinations.form.getByRole('heading', { name: 'Add a destination' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Destination form: a folder on this computer');
    await destinations.form.getByRole('radio', { name: /A server/ }).check();
    await fillConnection(
      destinations.form,
      { protocol: 'SFTP / SSH', name: 'Offsite', host: '127.0.0.1', port: sshd.port, username: sshd.shell.username, password: sshd.shell.password, folder: 'backups/a11y' },
      'Backup directory',
    );
    await testAndTrust(destinations.form);
    await expectNoSeriousViolations(page, 'Destination form: a server, its host key shown');
    await destinations.form.getByRole('radio', { name: /Object storage/ }).check();
    await expectNoSeriousViolations(page, 'Destination form: object storage');
    await destinations.form.getByRole('radio', { name: /A folder on this computer/ }).check();
    await destinations.form.getByLabel('Folder', { exact: true }).fill(join(home, 'repo'));
    await destinations.passphrase('accessible passphrase');
    await destinations.save();
    await expect(destinations.saved).toContainText('This computer is ready');
    await expect(page.getByRole('heading', { level: 1, name: 'Destinations' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Destinations (one)');

    // The site wizard, step by step: focus lands on each step's heading.
    await app.go('Sites');
    await page.getByRole('button', { name: 'Add a site' }).click();
    const wizard = new SiteWizardPage(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Add a site' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Site wizard: Connection');
    await wizard.fill({ protocol: 'SFTP / SSH', name: 'Client A11y', host: '127.0.0.1', port: sshd.port, username: sshd.shell.username, password: sshd.shell.password, folder: 'sites/e2e-a11y' });
    await wizard.next();
    await expect(wizard.panel.getByRole('heading', { name: 'Step 2 of 5: Verify' })).toBeFocused();
    await wizard.trust();
    await wizard.browseTo(['sites', 'e2e-a11y']);
    await expectNoSeriousViolations(page, 'Site wizard: Verify (host key and folders)');
    await wizard.next();
    await expect(wizard.panel.getByRole('heading', { name: 'Step 3 of 5: Destination and schedule' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Site wizard: Destination and schedule');
    await wizard.next();
    await expect(wizard.panel.getByRole('heading', { name: 'Step 4 of 5: Review' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Site wizard: Review');
    await wizard.save();
    await expect(page.getByTestId('wordpress')).toContainText('detected');
    await expect(wizard.panel.getByRole('heading', { name: 'Step 5 of 5: Detected' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Site wizard: Detected');
    await wizard.panel.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sites' })).toBeFocused();

    // A real backup, then the dashboard in both views.
    const card = page.getByRole('listitem', { name: 'Client A11y' });
    await card.getByRole('button', { name: 'Back up now' }).click();
    await expect(card.getByTestId('last-backup')).toContainText('1 snapshot', { timeout: 120_000 });
    await expectNoSeriousViolations(page, 'Sites (one site, backed up)');
    const views = page.getByRole('group', { name: 'View' });
    await views.getByRole('button', { name: 'Table' }).click();
    await expectNoSeriousViolations(page, 'Sites (table)');
    await views.getByRole('button', { name: 'Cards' }).click();

    // The history: a file previewed, a folder opened with the keyboard.
    await card.getByRole('button', { name: 'History' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'History of Client A11y' })).toBeFocused();
    const history = new HistoryPage(page);
    await history.select(['wp-config.php']);
    await expect(page.getByLabel('Preview of wp-config.php')).toBeVisible();
    const folder = history.tree.getByRole('treeitem', { name: 'wp-content', exact: true });
    await folder.focus();
    await page.keyboard.press('ArrowRight');
    await expect(folder).toHaveAttribute('aria-expanded', 'true');
    const firstChild = folder.getByRole('group').getByRole('treeitem').first();
    await expect(firstChild).toBeVisible();
    await page.keyboard.press('ArrowRight');
    await expect(firstChild).toBeFocused();
    await expectNoSeriousViolations(page, 'History (tree open, file previewed)');
    await page.screenshot({ path: 'test-results/screens/history-keyboard.png', fullPage: true });

    // Restore: the choices, then the changes it would make.
    await page.getByRole('button', { name: 'Restore this snapshot…' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Restore Client A11y' })).toBeFocused();
    await expectNoSeriousViolations(page, 'Restore');
    await new RestorePage(page).showChanges();
    await expectNoSeriousViolations(page, 'Restore (changes shown)');

    await app.go('Activity');
    await expect(page.getByRole('table')).toContainText('Back up Client A11y');
    await expectNoSeriousViolations(page, 'Activity (a finished backup)');
  });
});
