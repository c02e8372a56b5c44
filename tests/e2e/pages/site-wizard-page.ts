import type { Locator, Page } from '@playwright/test';
import { fillConnection, testAndTrust, type ConnectionInput } from './connection-form';

export class SiteWizardPage {
  readonly panel: Locator;
  readonly nameProblem: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByRole('region', { name: 'Add a site' });
    this.nameProblem = page.locator('#name-problem');
  }

  async fill(input: ConnectionInput): Promise<void> {
    await fillConnection(this.panel, input, 'Site folder');
  }

  async next(): Promise<void> {
    await this.panel.getByRole('button', { name: 'Continue' }).click();
  }

  async trust(): Promise<string> {
    return testAndTrust(this.panel);
  }

  async chooseDestination(name: string): Promise<void> {
    await this.panel.getByLabel('Back up to').selectOption(name);
  }

  async save(): Promise<void> {
    await this.panel.getByRole('button', { name: 'Save site' }).click();
  }
}
