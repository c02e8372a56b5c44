import type { Locator, Page } from '@playwright/test';

export class RestorePage {
  readonly preview: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.preview = page.getByRole('region', { name: 'Changes the restore will make' });
    this.result = page.getByRole('region', { name: 'Restore result' });
  }

  async showChanges(): Promise<void> {
    await this.page.getByRole('button', { name: 'Show the changes' }).click();
    await this.preview.waitFor();
  }

  async restoreNow(): Promise<void> {
    await this.preview.getByRole('button', { name: 'Restore now' }).click();
  }

  async undo(): Promise<void> {
    await this.result.getByRole('button', { name: 'Undo this restore' }).click();
  }
}
