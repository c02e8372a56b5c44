import { APP_VERSION } from '../../src-main/core/app-version';
import { expect, test } from './fixtures';
import { StatusPage } from './pages/status-page';

test.describe('status screen in the headless app', () => {
  test('shows the app version and the keychain status through the API', async ({ page, server, home }) => {
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    const status = new StatusPage(page);
    await status.open(server.url);
    await expect(status.version).toHaveText(APP_VERSION);
    await expect(page.getByText(home)).toBeVisible();
    await expect(page.getByText('Headless server')).toBeVisible();
    await expect(status.keychainStatus).toHaveText('Secret Service: available');
    // The token leaves the address bar once read.
    expect(page.url()).toBe(`${server.origin}/`);
    await status.screenshot('status-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await status.screenshot('status-dark');
    expect(consoleErrors).toEqual([]);
  });

  test('keeps working after a reload and re-checks the keychain on request', async ({ page, server }) => {
    const status = new StatusPage(page);
    await status.open(server.url);
    await expect(status.keychainStatus).toHaveText('Secret Service: available');
    await page.reload();
    await status.showAbout();
    await expect(status.version).toHaveText(APP_VERSION);
    await status.checkAgain.click();
    await expect(status.checkAgain).toBeEnabled();
    await expect(status.keychainStatus).toHaveText('Secret Service: available');
    await expect(status.alert).toHaveCount(0);
  });

  test('without the token the page says why it gets no data', async ({ page, server }) => {
    const status = new StatusPage(page);
    await status.open(server.origin);
    await expect(status.alert).toContainText('Missing or wrong access token');
    await expect(status.version).toHaveText('…');
  });
});
