import type { Locator, Page } from '@playwright/test';
import { fillConnection, testAndTrust, type ConnectionInput } from './connection-form';

export class DestinationsPage {
  readonly form: Locator;
  readonly saved: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole('form', { name: 'Add a destination' });
    this.saved = page.getByRole('status');
  }

  async addServer(input: ConnectionInput, passphrase: string): Promise<string> {
    await this.page.getByRole('button', { name: 'Add a destination' }).click();
    await this.form.getByRole('radio', { name: /A server/ }).check();
    await fillConnection(this.form, input, 'Backup directory');
    const fingerprint = await testAndTrust(this.form);
    await this.form.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await this.form.getByLabel('Repeat it').fill(passphrase);
    return fingerprint;
  }

  async save(): Promise<void> {
    await this.form.getByRole('button', { name: 'Save destination' }).click();
  }
}
