import type { Locator, Page } from '@playwright/test';
import { SCREENSHOT_DIR } from '../fixtures';

/** The app window: main navigation and screenshots. */
export class AppPage {
  readonly nav: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Main' });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('heading', { name: 'Sites' }).waitFor();
  }

  async go(section: 'Sites' | 'Destinations' | 'Activity' | 'Settings' | 'About'): Promise<void> {
    await this.nav.getByRole('button', { name: section }).click();
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  }
}
