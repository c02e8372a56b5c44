import type { Download, Locator, Page } from '@playwright/test';

export class HistoryPage {
  readonly snapshots: Locator;
  readonly safetySnapshots: Locator;
  readonly tree: Locator;

  constructor(readonly page: Page) {
    this.snapshots = page.getByRole('list', { name: 'Snapshots' }).getByRole('button');
    this.safetySnapshots = page.getByRole('list', { name: 'Safety snapshots' }).getByRole('button');
    this.tree = page.getByRole('tree', { name: 'Files in the snapshot' });
  }

  /** Opens the group of safety snapshots (collapsed at first). */
  async openSafetySnapshots(): Promise<void> {
    await this.page.getByText(/^Safety snapshots \(\d+\)$/).click();
  }

  async search(query: string): Promise<Locator> {
    await this.page.getByRole('searchbox', { name: 'Search file names' }).fill(query);
    await this.page.getByRole('button', { name: 'Search', exact: true }).click();
    return this.page.getByRole('region', { name: 'Search results' });
  }

  async select(path: string[]): Promise<void> {
    // The item's own row: an open folder's box also holds what is inside it.
    for (const name of path) await this.tree.getByRole('treeitem', { name, exact: true }).first().locator(':scope > .tree-row').click();
  }

  async downloadSelected(): Promise<Download> {
    return this.download(/^Download this (file|folder)$/);
  }

  async download(button: string | RegExp): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('button', { name: button }).click()]);
    return download;
  }
}
