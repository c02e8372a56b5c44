import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeTree } from '../helpers/tree';
import { loadHarnessInfo } from '../harness/harness';
import { rootSql } from '../harness/mariadb';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { DestinationsPage } from './pages/destinations-page';
import { HistoryPage } from './pages/history-page';
import { RestorePage } from './pages/restore-page';
import { SiteWizardPage } from './pages/site-wizard-page';

const withoutExcluded = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([path]) => !/^wp-content\/(cache|updraft)(\/|$)/.test(path)));

test.describe('a freelancer’s first day with SiteVault', () => {
  test.setTimeout(240_000);

  test('adds an FTPS destination and an SFTP site, backs up, browses, downloads, restores a damaged site and undoes it', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const placed = await placeSite(harness, 'ssh-shell', 'e2e-site');
    const rows = () => rootSql(harness.mariadb!, 'SELECT option_name, option_value FROM wp_options ORDER BY option_name; SELECT COUNT(*) FROM wp_posts;', placed.database);
    const app = new AppPage(page);
    await app.open(server.url);
    await expect(page.getByRole('heading', { name: 'Back up your first site' })).toBeVisible();
    await app.screenshot('01-first-start');

    // An FTPS destination, its certificate confirmed by the user.
    await app.go('Destinations');
    const destinations = new DestinationsPage(page);
    const ftpd = harness.ftpd!;
    const certificate = await destinations.addServer(
      { protocol: 'FTPS (explicit TLS)', name: 'Offsite FTPS', host: '127.0.0.1', port: ftpd.port, username: ftpd.username, password: ftpd.password, folder: `backups/e2e-${Date.now()}` },
      'correct horse battery staple',
    );
    expect(certificate).toBe(ftpd.certFingerprint);
    await app.screenshot('02-destination-form');
    await destinations.save();
    await expect(destinations.saved).toContainText('Offsite FTPS is ready: a new encrypted repository was created there');
    await app.screenshot('03-destinations');

    // A default retention for new sites, in Settings.
    await app.go('Settings');
    const backupSettings = page.getByRole('form', { name: 'Backups and verification' });
    await backupSettings.getByLabel('Keep daily').fill('14');
    await backupSettings.getByLabel('Jobs at once').fill('3');
    await backupSettings.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await app.screenshot('03b-settings');

    // The site, through the wizard: a name checked as it is typed, the host key confirmed.
    await app.go('Sites');
    await page.getByRole('button', { name: 'Add a site' }).click();
    const wizard = new SiteWizardPage(page);
    const sshd = harness.sshd!;
    await wizard.fill({ protocol: 'SFTP / SSH', name: 'x'.repeat(41), host: '127.0.0.1', port: sshd.port, username: sshd.shell.username, password: sshd.shell.password, folder: 'sites/e2e-site' });
    await expect(wizard.nameProblem).toHaveText('At most 40 characters (this one has 41).');
    await expect(wizard.panel.getByRole('button', { name: 'Continue' })).toBeDisabled();
    await wizard.panel.getByLabel('Name', { exact: true }).fill('Client A');
    await app.screenshot('04-wizard-connection');
    await wizard.next();
    expect(await wizard.trust()).toBe(sshd.hostKeyFingerprint);
    // The folder picker starts in the login's home and walks down to the site.
    await wizard.browseTo(['sites', 'e2e-site']);
    await expect(wizard.panel.getByText('WordPress found here')).toBeVisible();
    await app.screenshot('05-wizard-host-key');
    await wizard.panel.getByRole('button', { name: 'Use this folder' }).click();
    await expect(wizard.panel.getByText(`Now ${placed.remotePath}.`)).toBeVisible();
    await wizard.next();
    await wizard.chooseDestination('Offsite FTPS');
    await expect(wizard.panel.getByLabel('Keep daily')).toHaveValue('14');
    await app.screenshot('06-wizard-schedule');
    await wizard.next();
    await expect(wizard.panel.getByRole('definition').filter({ hasText: 'files daily at 02:00, database every 6 hours' })).toBeVisible();
    await expect(wizard.panel.getByRole('definition').filter({ hasText: '14 daily, 0 weekly, 3 monthly, 1 yearly' })).toBeVisible();
    await app.screenshot('07-wizard-review');
    await wizard.save();
    await expect(page.getByTestId('wordpress')).toHaveText('detected, table prefix wp_');
    await expect(page.getByTestId('database')).toContainText(`${placed.database}`);
    await expect(page.getByTestId('database')).toContainText('reachable');
    await app.screenshot('08-wizard-detected');
    await wizard.panel.getByRole('button', { name: 'Done' }).click();
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(sshd.shell.password);
    expect(settings).not.toContain(ftpd.password);

    // Back up now.
    const card = page.getByRole('listitem', { name: 'Client A' });
    await expect(card.getByTestId('last-backup')).toHaveText('Never backed up.');
    // This server runs without its scheduler (fixed history for the test), and the card says so.
    await expect(card.getByTestId('schedule')).toContainText('Scheduled (files daily at 02:00, database every 6 hours) to Offsite FTPS: this SiteVault does not run schedules');
    await card.getByRole('button', { name: 'Back up now' }).click();
    await expect(card.getByTestId('last-backup')).toContainText('files and database', { timeout: 120_000 });
    await expect(card.getByTestId('last-backup')).toContainText('1 snapshot');
    await app.screenshot('08-dashboard');

    // The history: the snapshot, a file previewed and downloaded.
    await card.getByRole('button', { name: 'History' }).click();
    const history = new HistoryPage(page);
    await expect(history.snapshots).toHaveCount(1);
    await history.select(['wp-config.php']);
    await expect(page.getByLabel('Preview of wp-config.php')).toContainText(`define( 'DB_NAME', '${placed.database}' );`);
    await page.getByRole('button', { name: 'Versions' }).click();
    await expect(page.getByRole('table', { name: 'Versions of wp-config.php' }).getByRole('row')).toHaveCount(2);
    // Downloads are named after the site and the snapshot's date; a single file keeps its own name.
    const download = await history.downloadSelected();
    expect(download.suggestedFilename()).toBe('wp-config.php');
    expect(await readFile(await download.path(), 'utf8')).toBe(await readFile(join(placed.diskPath, 'wp-config.php'), 'utf8'));
    const dump = await history.download('Download the database (.sql.gz)');
    expect(dump.suggestedFilename()).toMatch(/^client-a-\d{4}-\d{2}-\d{2}-database\.sql\.gz$/);
    expect((await readFile(await dump.path())).subarray(0, 2).toString('hex')).toBe('1f8b');
    // A search result opens in the tree: its folders expanded, the file selected.
    const results = await history.search('placeholder');
    await results.getByRole('button', { name: 'wp-content/uploads/empty-placeholder.txt' }).click();
    // Two folders read over FTPS, one after the other, on a busy machine.
    await expect(history.tree.getByRole('treeitem', { selected: true })).toContainText('empty-placeholder.txt', { timeout: 30_000 });
    await expect(history.tree.getByRole('treeitem', { expanded: true })).toHaveCount(2);
    await expect(page.getByRole('region', { name: 'Selected item' })).toContainText('wp-content/uploads/empty-placeholder.txt');
    await app.screenshot('09-history');
    // A test restore: the snapshot restored into a temporary folder, every file compared with it.
    await page.getByRole('button', { name: 'Test restore' }).click();
    await expect(page.getByRole('status', { name: 'Test restore result' })).toContainText(/Test restore passed: \d+ files/, { timeout: 120_000 });
    await app.screenshot('09b-test-restore');

    // Damage: files changed, deleted and added, and the database altered.
    const original = withoutExcluded(await describeTree(placed.diskPath));
    const originalRows = await rows();
    await appendFile(join(placed.diskPath, 'index.php'), '\n/* defaced */');
    await rm(join(placed.diskPath, 'wp-login.php'));
    await writeFile(join(placed.diskPath, 'wp-content', 'uploads', 'backdoor.php'), '<?php eval($_POST["x"]);');
    await rootSql(harness.mariadb!, "UPDATE wp_options SET option_value='Hacked' WHERE option_name='blogname'; DELETE FROM wp_posts WHERE ID = 1;", placed.database);
    const damagedRows = await rows();

    // A selection first: only index.php, from the history browser.
    await history.select(['index.php']);
    await page.getByRole('button', { name: 'Restore this file…' }).click();
    const restore = new RestorePage(page);
    await expect(page.getByTestId('selection')).toHaveText('Only index.php (and what is inside).');
    await restore.showChanges();
    await expect(page.getByTestId('preview-upload')).toContainText('1 file to upload');
    await restore.restoreNow();
    await expect(restore.result.getByRole('heading', { name: 'The site is restored' })).toBeVisible({ timeout: 120_000 });
    expect((await describeTree(placed.diskPath))['index.php']).toBe(original['index.php']);
    expect((await describeTree(placed.diskPath))['wp-content/uploads/backdoor.php']).toBeDefined();
    await appendFile(join(placed.diskPath, 'index.php'), '\n/* defaced */');
    const damaged = withoutExcluded(await describeTree(placed.diskPath));

    // Restore: the preview first, then the restore, then the report.
    // The history opens on the backup, not on the safety snapshot the restore above took.
    await app.go('Sites');
    await card.getByRole('button', { name: 'History' }).click();
    await expect(history.snapshots).toHaveCount(1);
    await expect(history.snapshots.first()).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('button', { name: 'Restore this snapshot…' }).click();
    // Deleting what the snapshot does not hold is asked for each time.
    await expect(restore.deleteExtra).not.toBeChecked();
    await restore.deleteExtra.check();
    await restore.showChanges();
    await expect(page.getByTestId('preview-upload')).toContainText('2 files to upload');
    await expect(page.getByTestId('preview-delete')).toContainText('1 file on the site is not in the snapshot: deleted by the restore');
    await expect(restore.preview).toContainText('wp-content/uploads/backdoor.php');
    await app.screenshot('10-restore-preview');
    await restore.restoreNow();
    await expect(restore.result.getByRole('heading', { name: 'The site is restored' })).toBeVisible({ timeout: 120_000 });
    await app.screenshot('11-restore-done');
    expect(withoutExcluded(await describeTree(placed.diskPath))).toEqual(original);
    expect(await rows()).toBe(originalRows);

    // Undo: asked first, then back to the damaged state, exactly.
    await restore.askUndo();
    await expect(restore.undoConfirmation).toContainText('puts back the safety snapshot of Client A taken ');
    await expect(restore.undoConfirmation).toContainText('just before this restore: the current files on Client A and its database are replaced with the ones in it');
    await app.screenshot('undo-confirm');
    expect(withoutExcluded(await describeTree(placed.diskPath))).toEqual(original);
    await restore.confirmUndo();
    await expect(page.getByText('Undone: the site is back as it was before the restore.')).toBeVisible({ timeout: 120_000 });
    expect(withoutExcluded(await describeTree(placed.diskPath))).toEqual(damaged);
    expect(await rows()).toBe(damagedRows);
    // The history now holds three safety snapshots, grouped apart; the newest differs from the one before by the undo.
    await app.go('Sites');
    await card.getByRole('button', { name: 'History' }).click();
    await expect(history.snapshots).toHaveCount(1);
    await expect(history.snapshots.first()).toHaveAttribute('aria-pressed', 'true');
    // Collapsed at first.
    await expect(history.safetySnapshots).toHaveCount(0);
    await history.openSafetySnapshots();
    await expect(history.safetySnapshots).toHaveCount(3);
    await expect(history.safetySnapshots.first()).toContainText('Safety snapshot, taken before an undo put back the safety snapshot of');
    await expect(history.safetySnapshots.last()).toContainText('Safety snapshot, taken before restoring the backup of');
    await expect(history.tree.getByRole('treeitem').first()).toBeVisible({ timeout: 30_000 });
    await app.screenshot('history-safety');
    await history.safetySnapshots.first().click();
    await page.getByRole('button', { name: 'Compare with the one before' }).click();
    const changes = page.getByRole('region', { name: 'Changes since the snapshot before' });
    await expect(changes).toContainText('wp-content/uploads/backdoor.php', { timeout: 30_000 });
    await expect(changes).toContainText('1 added · ');
    // The restore screen opens with deleting unticked again, after the restore above ticked it.
    await page.getByRole('button', { name: 'Restore this snapshot…' }).click();
    await expect(restore.deleteExtra).not.toBeChecked();
    await app.go('Activity');
    await expect(page.getByRole('table')).toContainText('Back up Client A');
    await page.getByRole('row').filter({ hasText: 'Back up Client A' }).getByText('Log').click();
    await expect(page.getByRole('row').filter({ hasText: 'Back up Client A' })).toContainText('succeeded');
    await app.screenshot('12-activity');

    // A check of the destination from its screen: its result is kept and shown there.
    await app.go('Destinations');
    const offsiteRow = page.getByRole('row').filter({ hasText: 'Offsite FTPS' });
    await expect(offsiteRow).toContainText('test restore');
    await offsiteRow.getByRole('button', { name: 'Check now' }).click();
    await expect(offsiteRow).toContainText(/no problems\s*check,/, { timeout: 120_000 });
    await app.screenshot('12b-destinations-checked');

    // The theme is a saved preference.
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await app.go('Sites');
    await expect(card.getByTestId('last-backup')).toContainText('1 snapshot');
    await app.screenshot('13-sites-dark');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  });
});
