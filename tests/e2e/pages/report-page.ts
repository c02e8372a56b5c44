import type { Locator, Page } from '@playwright/test';

/** The client report screen: what it is for, the month, the page itself and its PDF. */
export class ReportPage {
  readonly screen: Locator;
  readonly sheet: Locator;
  readonly totals: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByRole('region', { name: 'Client report' });
    this.sheet = page.getByRole('article', { name: 'Client report' });
    this.totals = this.sheet.getByTestId('report-totals');
  }

  /** The figure under a tile's label ("Backups made"). */
  tile(label: string): Locator {
    return this.totals.locator('div', { has: this.page.getByText(label, { exact: true }) }).locator('dd');
  }

  async chooseMonth(month: string): Promise<void> {
    await this.screen.getByLabel('Month').fill(month);
  }
}

/** Settings' "Client reports" form: the name and logo on reports. */
export async function setReportAuthor(page: Page, name: string, logo: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const form = page.getByRole('form', { name: 'Client reports' });
  await form.getByLabel('Your or your agency’s name').fill(name);
  await form.getByLabel(/^Logo/).setInputFiles(logo);
  await form.getByRole('img', { name: 'Your logo as reports show it' }).waitFor();
  await form.getByRole('button', { name: 'Save' }).click();
}
