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

    (document.querySelector('[role="treeitem"] button') as HTMLButtonElement).click();
    await settle();
    expect(asked).toEqual(['', 'wp-content']);
    expect(rows()).toEqual(['wp-content', 'plugins', 'index.php', 'index.php']);
    expect(document.querySelector('[role="treeitem"]')!.getAttribute('aria-expanded')).toBe('true');

    // Closing and opening again does not read the folder twice.
    (document.querySelector('[role="treeitem"] button') as HTMLButtonElement).click();
    await settle();
    (document.querySelector('[role="treeitem"] button') as HTMLButtonElement).click();
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
    const expanded = [...document.querySelectorAll('[role="treeitem"][aria-expanded="true"] .name')].map((n) => n.textContent);
    expect(expanded).toEqual(['wp-content', 'plugins']);
  });

  it('shows a folder that cannot be read, and keeps the rest usable', async () => {
    const { api } = fakeApi({ '': [dir('broken'), file('ok.txt')] });
    component = mount(TreeBrowser, { target: document.body, props: { api, destination: 'D', snapshot: 'abcd', selected: null } });
    await settle();
    (document.querySelector('[role="treeitem"] button') as HTMLButtonElement).click();
    await settle();
    expect(document.querySelector('.tree-note.alert')!.textContent).toBe('no folder broken');
    expect(document.body.textContent).toContain('ok.txt');
  });
});
