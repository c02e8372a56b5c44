import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientApi } from '../../src-main/core/contract/operations';
import TreeBrowser from './TreeBrowser.svelte';

type Entry = Awaited<ReturnType<ClientApi['snapshotBrowse']>>['entries'][number];
const dir = (path: string): Entry => ({ name: path.split('/').pop()!, path, type: 'dir', size: 0, mtime: 0, mode: 0o755, target: null });
const file = (path: string, size = 10): Entry => ({ name: path.split('/').pop()!, path, type: 'file', size, mtime: 0, mode: 0o644, target: null });

/** A fake of the one operation the tree uses, counting the folders it is asked for. */
function fakeApi(folders: Record<string, Entry[]>) {
  const asked: string[] = [];
  const api = {
    snapshotBrowse: async ({ path }: { path: string }) => {
      asked.push(path);
      const entries = folders[path];
      if (!entries) throw new Error(`no folder ${path}`);
      return { entries };
    },
  } as unknown as ClientApi;
  return { api, asked };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  flushSync();
};

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = '';
});

describe('the snapshot tree browser', () => {
  const folders = {
    '': [dir('wp-content'), file('index.php', 2048)],
    'wp-content': [dir('wp-content/plugins'), file('wp-content/index.php')],
    'wp-content/plugins': Array.from({ length: 3 }, (_, i) => file(`wp-content/plugins/p${i}.php`)),
  };

  it('reads only the root at first, and a folder only when it is opened', async () => {
    const { api, asked } = fakeApi(folders);
    component = mount(TreeBrowser, { target: document.body, props: { api, destination: 'D', snapshot: 'abcd', selected: null } });
    await settle();
    expect(asked).toEqual(['']);
    const rows = () => [...document.querySelectorAll('[role="treeitem"]')].map((li) => li.querySelector('.name')!.textContent);
    expect(rows()).toEqual(['wp-content', 'index.php']);
    expect(document.body.textContent).toContain('2.0 KB');

    (document.querySelector('[role="treeitem"] .tree-row') as HTMLElement).click();
    await settle();
    expect(asked).toEqual(['', 'wp-content']);
    expect(rows()).toEqual(['wp-content', 'plugins', 'index.php', 'index.php']);
    expect(document.querySelector('[role="treeitem"]')!.getAttribute('aria-expanded')).toBe('true');

    // Closing and opening again does not read the folder twice.
    (document.querySelector('[role="treeitem"] .tree-row') as HTMLElement).click();
    await settle();
    (document.querySelector('[role="treeitem"] .tree-row') as HTMLElement).click();
    await settle();
    expect(asked).toEqual(['', 'wp-content']);
  });

  it('reveals a path: its folders opened, and only those read, the entry selected', async () => {
    const { api, asked } = fakeApi({ ...folders, other: [file('other/x.php')] });
    component = mount(TreeBrowser, { target: document.body, props: { api, destination: 'D', snapshot: 'abcd', selected: null, reveal: { path: 'wp-content/plugins/p1.php' } } });
    for (let i = 0; i < 3; i++) await settle();
    expect(new Set(asked)).toEqual(new Set(['', 'wp-content', 'wp-content/plugins']));
    const chosen = document.querySelector('[role="treeitem"][aria-selected="true"]')!;
    expect(chosen.querySelector('.name')!.textContent).toBe('p1.php');
    // An open folder's item holds its children: its own name is the one that labels it.
    const expanded = [...document.querySelectorAll('[role="treeitem"][aria-expanded="true"]')].map((item) => document.getElementById(item.getAttribute('aria-labelledby')!)!.textContent);
    expect(expanded).toEqual(['wp-content', 'plugins']);
  });

  it('shows a folder that cannot be read, and keeps the rest usable', async () => {
    const { api } = fakeApi({ '': [dir('broken'), file('ok.txt')] });
    component = mount(TreeBrowser, { target: document.body, props: { api, destination: 'D', snapshot: 'abcd', selected: null } });
    await settle();
    (document.querySelector('[role="treeitem"] .tree-row') as HTMLElement).click();
    await settle();
    expect(document.querySelector('.tree-note.alert')!.textContent).toBe('no folder broken');
    expect(document.body.textContent).toContain('ok.txt');
  });

  describe('with the keyboard (the WAI-ARIA tree pattern)', () => {
    const item = (path: string) => document.querySelector<HTMLElement>(`[role="treeitem"][data-path="${path}"]`)!;
    const press = (key: string) => {
      (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
      flushSync();
    };
    const focusedPath = () => (document.activeElement as HTMLElement).dataset['path'];
    const tabStops = () => [...document.querySelectorAll<HTMLElement>('[role="treeitem"]')].filter((li) => li.tabIndex === 0).map((li) => li.dataset['path']);

    async function mountTree() {
      const { api, asked } = fakeApi(folders);
      component = mount(TreeBrowser, { target: document.body, props: { api, destination: 'D', snapshot: 'abcd', selected: null } });
      await settle();
      return { asked };
    }
    const selectedPaths = () => [...document.querySelectorAll<HTMLElement>('[role="treeitem"][aria-selected="true"]')].map((li) => li.dataset['path']);

    it('has one Tab stop that follows the arrow keys, Home and End', async () => {
      await mountTree();
      expect(document.querySelector('[role="tree"]')!.getAttribute('aria-label')).toBe('Files in the snapshot');
      expect(tabStops()).toEqual(['wp-content']);
      item('wp-content').focus();
      press('ArrowDown');
      expect(focusedPath()).toBe('index.php');
      expect(tabStops()).toEqual(['index.php']);
      press('ArrowDown'); // the last item: stays
      expect(focusedPath()).toBe('index.php');
      press('ArrowUp');
      expect(focusedPath()).toBe('wp-content');
      press('End');
      expect(focusedPath()).toBe('index.php');
      press('Home');
      expect(focusedPath()).toBe('wp-content');
    });

    it('opens with Right then goes to the first child; closes with Left then goes to the parent', async () => {
      const { asked } = await mountTree();
      item('wp-content').focus();
      expect(item('wp-content').getAttribute('aria-expanded')).toBe('false');
      press('ArrowRight');
      await settle();
      expect(asked).toEqual(['', 'wp-content']);
      expect(item('wp-content').getAttribute('aria-expanded')).toBe('true');
      expect(focusedPath()).toBe('wp-content');
      // The children sit in a group inside their folder's item.
      expect(item('wp-content/plugins').parentElement!.getAttribute('role')).toBe('group');
      expect(item('wp-content/plugins').parentElement!.closest('[role="treeitem"]')).toBe(item('wp-content'));
      press('ArrowRight');
      expect(focusedPath()).toBe('wp-content/plugins');
      press('ArrowDown');
      expect(focusedPath()).toBe('wp-content/index.php');
      press('ArrowRight'); // a file: nothing to open
      expect(focusedPath()).toBe('wp-content/index.php');
      press('ArrowLeft');
      expect(focusedPath()).toBe('wp-content');
      press('ArrowLeft');
      expect(item('wp-content').getAttribute('aria-expanded')).toBe('false');
      expect(document.querySelector('[data-path="wp-content/plugins"]')).toBeNull();
      press('ArrowDown');
      expect(focusedPath()).toBe('index.php');
    });

    it('selects with Enter or Space (a folder also opens or closes), and jumps to a name by its first letter', async () => {
      await mountTree();
      item('wp-content').focus();
      press('ArrowDown');
      expect(selectedPaths()).toEqual([]);
      press('Enter');
      expect(selectedPaths()).toEqual(['index.php']);
      expect(item('wp-content').getAttribute('aria-selected')).toBe('false');
      press('ArrowUp');
      press(' ');
      await settle();
      expect(selectedPaths()).toEqual(['wp-content']);
      expect(item('wp-content').getAttribute('aria-expanded')).toBe('true');
      press('p');
      expect(focusedPath()).toBe('wp-content/plugins');
      press('i');
      expect(focusedPath()).toBe('wp-content/index.php');
      press('i');
      expect(focusedPath()).toBe('index.php');
    });

    it('keeps a Tab stop when the folder holding the focused item is closed with the mouse', async () => {
      await mountTree();
      item('wp-content').focus();
      press('ArrowRight');
      await settle();
      press('ArrowRight');
      expect(focusedPath()).toBe('wp-content/plugins');
      item('wp-content').querySelector<HTMLElement>('.tree-row')!.click();
      flushSync();
      expect(tabStops()).toEqual(['wp-content']);
    });
  });
});
