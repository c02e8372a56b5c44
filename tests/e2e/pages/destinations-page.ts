import type { Locator, Page } from '@playwright/test';
import { fillConnection, testAndTrust, type ConnectionInput } from './connection-form';

export interface S3Input {
  provider: string;
  name: string;
  endpoint: string;
  region: string;
  bucket: string;
  folder: string;
  accessKeyId: string;
  secretAccessKey: string;
  caFile: string;
}

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

  /** Opens the S3 form and fills it (the CA file under Advanced, when given). */
  async fillS3(input: S3Input): Promise<void> {
    await this.page.getByRole('button', { name: 'Add a destination' }).click();
    await this.form.getByRole('radio', { name: /Object storage/ }).check();
    await this.form.getByLabel('Provider', { exact: true }).selectOption({ label: input.provider });
    await this.form.getByLabel('Name', { exact: true }).fill(input.name);
    await this.form.getByLabel('Endpoint', { exact: true }).fill(input.endpoint);
    await this.form.getByLabel('Region', { exact: true }).fill(input.region);
    await this.form.getByLabel('Bucket', { exact: true }).fill(input.bucket);
    await this.form.getByLabel('Folder in the bucket', { exact: true }).fill(input.folder);
    await this.form.getByLabel('Access key ID', { exact: true }).fill(input.accessKeyId);
    await this.form.getByLabel('Secret access key', { exact: true }).fill(input.secretAccessKey);
    await this.form.getByText('Advanced', { exact: true }).click();
    await this.form.getByLabel('CA certificate file', { exact: true }).fill(input.caFile);
  }

  /** Presses Test; what it says appears in `testResult`. */
  async testS3(): Promise<void> {
    await this.form.getByRole('button', { name: 'Test the connection' }).click();
  }

  get testResult(): Locator {
    return this.form.getByLabel('Connection test result');
  }

  async passphrase(passphrase: string): Promise<void> {
    await this.form.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await this.form.getByLabel('Repeat it').fill(passphrase);
  }

  async save(): Promise<void> {
    await this.form.getByRole('button', { name: 'Save destination' }).click();
  }
}
