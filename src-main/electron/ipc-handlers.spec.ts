import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceHandlers } from '../core/contract/operations';
import { operationNames } from '../core/contract/names';

type Handler = (event: unknown, input: unknown) => Promise<unknown>;
const registered = new Map<string, Handler>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => registered.set(channel, handler),
    removeHandler: (channel: string) => registered.delete(channel),
  },
}));

const { registerServiceHandlers, senderIsWindow, urlBelongsToRenderer } = await import('./ipc-handlers');

const RENDERER = 'file:///opt/SiteVault/resources/app/out/renderer/index.html';

function fakeEvent(options: { id?: number; url?: string; subframe?: boolean } = {}) {
  const mainFrame = { url: options.url ?? RENDERER };
  const frame = options.subframe ? { url: options.url ?? RENDERER } : mainFrame;
  return { sender: { id: options.id ?? 7, mainFrame }, senderFrame: frame };
}

const unused = async (): Promise<never> => {
  throw new Error('not used in this test');
};
const otherHandlers = Object.fromEntries(operationNames.map((name) => [name, unused])) as unknown as ServiceHandlers;

const handlers: ServiceHandlers = {
  ...otherHandlers,
  'app:info': vi.fn(async () => ({
    name: 'SiteVault',
    version: '1',
    shell: 'electron' as const,
    platform: 'linux',
    arch: 'x64',
    nodeVersion: '22',
    electronVersion: '45',
    dataDir: '/d',
  })),
  'keychain:status': vi.fn(async () => ({ available: true, backend: 'Secret Service', problem: null })),
};

describe('IPC wrapper', () => {
  beforeEach(() => {
    registered.clear();
    vi.mocked(handlers['app:info']).mockClear();
    registerServiceHandlers(
      handlers,
      senderIsWindow(() => 7, RENDERER),
      () => {},
    );
  });

  it('registers exactly one handler per contract operation', () => {
    expect([...registered.keys()].sort()).toEqual([...operationNames].sort());
  });

  it('runs the handler for our own window with valid arguments', async () => {
    const result = await registered.get('app:info')!(fakeEvent(), {});
    expect(result).toMatchObject({ ok: true, result: { name: 'SiteVault' } });
    expect(handlers['app:info']).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['another webContents', { id: 8 }],
    ['a page from elsewhere', { url: 'https://evil.example/' }],
    ['another local file', { url: 'file:///tmp/evil.html' }],
    ['a subframe', { subframe: true }],
  ])('rejects %s with FORBIDDEN without running the handler', async (_label, options) => {
    const result = await registered.get('app:info')!(fakeEvent(options), {});
    expect(result).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'This window may not use the SiteVault API.' } });
    expect(handlers['app:info']).not.toHaveBeenCalled();
  });

  it('rejects arguments the schema refuses with BAD_REQUEST', async () => {
    const result = await registered.get('app:info')!(fakeEvent(), { path: '/etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(handlers['app:info']).not.toHaveBeenCalled();
  });

  it('matches the dev server by origin and files by exact path', () => {
    expect(urlBelongsToRenderer('http://localhost:5173/#/x', 'http://localhost:5173/')).toBe(true);
    expect(urlBelongsToRenderer('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(urlBelongsToRenderer(`${RENDERER}#/sites`, RENDERER)).toBe(true);
    expect(urlBelongsToRenderer('not a url', RENDERER)).toBe(false);
  });
});
