import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientApi } from '../../src-main/core/contract/operations';
import FolderPicker from './FolderPicker.svelte';

/** A fake of the one operation the picker uses: a home with a site folder in it. */
const folders: Record<string, { folders: string[]; wordpress: boolean }> = {
  '/home/u': { folders: ['public_html', 'tmp'], wordpress: false },
  '/home/u/public_html': { folders: ['wp-content'], wordpress: true },
};
const api = {
  serverFolders: async ({ path }: { path: string }) => {
    const absolute = path || '/home/u';
    const found = folders[absolute];
    if (!found) throw new Error(`no folder ${absolute}`);
    return { path: absolute, ...found };
  },
} as unknown as ClientApi;

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  flushSync();
};
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)!;

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = '';
});

describe('the folder picker', () => {
  it('chooses the folder the user browses into, without “Use this folder”; opening at the home chooses nothing', async () => {
    const picked: string[] = [];
    component = mount(FolderPicker, { target: document.body, props: { api, url: 'sftp://u@h:22/~/', password: 'p', hostKey: 'SHA256:x', tlsFingerprint: null, onPick: (path: string) => picked.push(path) } });
    button('Browse the server’s folders').click();
    await settle();
    expect(document.querySelector('[data-testid="folder-path"]')?.textContent).toBe('/home/u');
    expect(picked).toEqual([]);
    button('public_html/').click();
    await settle();
    expect(picked).toEqual(['/home/u/public_html']);
    button('.. (up)').click();
    await settle();
    button('Use this folder').click();
    expect(picked).toEqual(['/home/u/public_html', '/home/u', '/home/u']);
  });
});
