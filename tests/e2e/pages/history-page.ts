import type { Download, Locator, Page } from '@playwright/test';

export class HistoryPage {
  readonly snapshots: Locator;
  readonly tree: Locator;

  constructor(readonly page: Page) {
    this.snapshots = page.getByRole('list', { name: 'Snapshots' }).getByRole('button');
    this.tree = page.getByRole('tree', { name: 'Files in the snapshot' });
  }

  async select(path: string[]): Promise<void> {
    // The item's own row: an open folder's box also holds what is inside it.
    for (const name of path) await this.tree.getByRole('treeitem', { name, exact: true }).first().locator(':scope > .tree-row').click();
  }

  async downloadSelected(): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('button', { name: /^Download this (file|folder)$/ }).click()]);
    return download;
  }
}
