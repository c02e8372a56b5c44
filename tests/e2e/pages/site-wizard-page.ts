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

  async browseTo(folders: string[]): Promise<void> {
    const picker = this.panel.getByRole('region', { name: 'Folders on the server' });
    await picker.getByRole('button', { name: 'Browse the server’s folders' }).click();
    for (const name of folders) await picker.getByRole('button', { name: `${name}/`, exact: true }).click();
    await picker
      .getByTestId('folder-path')
      .filter({ hasText: folders.at(-1)! })
      .waitFor();
  }

  async chooseDestination(name: string): Promise<void> {
    await this.panel.getByLabel('Back up to').selectOption(name);
  }

  async save(): Promise<void> {
    await this.panel.getByRole('button', { name: 'Save site' }).click();
  }
}
