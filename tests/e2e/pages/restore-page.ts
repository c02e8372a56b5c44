import type { Locator, Page } from '@playwright/test';

export class RestorePage {
  readonly preview: Locator;
  readonly result: Locator;
  readonly deleteExtra: Locator;
  readonly undoConfirmation: Locator;

  constructor(readonly page: Page) {
    this.preview = page.getByRole('region', { name: 'Changes the restore will make' });
    this.result = page.getByRole('region', { name: 'Restore result' });
    this.deleteExtra = page.getByRole('checkbox', { name: 'Delete files on the site that are not in the snapshot' });
    this.undoConfirmation = page.getByRole('alertdialog', { name: 'Undo this restore?' });
  }

  async showChanges(): Promise<void> {
    await this.page.getByRole('button', { name: 'Show the changes' }).click();
    await this.preview.waitFor();
  }

  async restoreNow(): Promise<void> {
    await this.preview.getByRole('button', { name: 'Restore now' }).click();
  }

  /** Asks for the undo; it starts only once confirmed. */
  async askUndo(): Promise<void> {
    await this.result.getByRole('button', { name: 'Undo this restore' }).click();
    await this.undoConfirmation.waitFor();
  }

  async confirmUndo(): Promise<void> {
    await this.undoConfirmation.getByRole('button', { name: 'Put back the safety snapshot' }).click();
  }
}
