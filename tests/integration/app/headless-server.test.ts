import { request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../../src-main/core/app-version';
import { startServe, type ServeProcess } from '../../helpers/cli';

let home: string;
let serve: ServeProcess;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sv-serve-'));
  serve = await startServe({ ...process.env, SITEVAULT_HOME: home });
});
afterAll(async () => {
  const code = await serve?.stop();
  expect(code).toBe(0);
  await rm(home, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (fetch would set Host and Origin itself). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${serve.port}`, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const call = (name: string, headers: Record<string, string>, body = '{}') => raw(`/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('sitevault serve (headless server)', () => {
  it('prints a loopback URL with a long random token', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(serve.output()).toContain('Open this address in your browser');
  });

  it('listens on 127.0.0.1 only', async () => {
    const hexPort = serve.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = (await readFile('/proc/net/tcp', 'utf8'))
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A');
    expect(listening.map((cols) => cols[1])).toEqual([`0100007F:${hexPort}`]);
    const v6 = await readFile('/proc/net/tcp6', 'utf8').catch(() => '');
    expect(v6).not.toMatch(new RegExp(`:${hexPort} [0-9A-F:]+ 0A`));
  });

  it('answers an API call that carries the token', async () => {
    const response = await call('app:info', { authorization: `Bearer ${serve.token}` });
    expect(response.status).toBe(200);
    const envelope = JSON.parse(response.body);
    expect(envelope).toMatchObject({ ok: true, result: { name: 'SiteVault', version: APP_VERSION, shell: 'headless', dataDir: home } });
  });

  it('reports the real keychain as available', async () => {
    const response = await call('keychain:status', { authorization: `Bearer ${serve.token}` });
    expect(JSON.parse(response.body)).toEqual({ ok: true, result: { available: true, backend: 'Secret Service', problem: null } });
  });

  it('refuses calls without the token, or with a wrong one', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: serve.token }];
    for (const headers of attempts) {
      const response = await call('app:info', headers);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses requests from another origin even with the token', async () => {
    const response = await call('app:info', { authorization: `Bearer ${serve.token}`, origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('FORBIDDEN');
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const response = await call('app:info', { authorization: `Bearer ${serve.token}`, host: `attacker.example:${serve.port}` });
    expect(response.status).toBe(403);
    const page = await raw('/', { headers: { host: 'attacker.example' } });
    expect(page.status).toBe(403);
  });

  it('validates arguments and names unknown operations', async () => {
    const auth = { authorization: `Bearer ${serve.token}` };
    expect(JSON.parse((await call('app:info', auth, '{"x":1}')).body).error.code).toBe('BAD_REQUEST');
    expect(JSON.parse((await call('app:nope', auth)).body).error.code).toBe('NOT_FOUND');
    expect((await call('app:info', auth, '{not json')).status).toBe(400);
    const form = await raw('/api/call/app:info', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
  });

  it('serves the built renderer with a strict CSP and no API data without the token', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app"></div>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await raw('/../package.json')).status).toBe(404);
    expect((await raw('/api/events')).status).toBe(401);
  });

  it('streams push events to a client with the token', async () => {
    const controller = new AbortController();
    const response = await fetch(`${serve.origin}/api/events`, {
      headers: { authorization: `Bearer ${serve.token}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(': connected');
    controller.abort();
  });
});
