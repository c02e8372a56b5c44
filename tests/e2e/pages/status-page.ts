import type { Locator, Page } from '@playwright/test';
import { SCREENSHOT_DIR } from '../fixtures';

/** The "About this installation" screen. */
export class StatusPage {
  readonly heading: Locator;
  readonly version: Locator;
  readonly keychainStatus: Locator;
  readonly checkAgain: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'About this installation' });
    this.version = page.getByTestId('app-version');
    this.keychainStatus = page.getByTestId('keychain-status');
    this.checkAgain = page.getByRole('button', { name: 'Check again' });
    this.alert = page.getByRole('alert');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.showAbout();
  }

  async showAbout(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'About' }).click();
    await this.heading.waitFor();
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  }
}
