import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRequestGuard } from './request-guard';

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('request guard', () => {
  const guard = createRequestGuard('secret-token', 4321);
  const good = { host: '127.0.0.1:4321', authorization: 'Bearer secret-token' };

  it('accepts our host with the token, with or without our origin', () => {
    expect(guard.check(request(good))).toBe('ok');
    expect(guard.check(request({ ...good, origin: 'http://127.0.0.1:4321' }))).toBe('ok');
    expect(guard.check(request({ ...good, host: 'localhost:4321' }))).toBe('ok');
  });

  it('refuses another Host (DNS rebinding)', () => {
    expect(guard.check(request({ ...good, host: 'evil.example:4321' }))).toBe('bad-host');
    expect(guard.check(request({ ...good, host: '127.0.0.1:80' }))).toBe('bad-host');
    expect(guard.check(request({ authorization: good.authorization }))).toBe('bad-host');
  });

  it('refuses other origins, even with the token', () => {
    expect(guard.check(request({ ...good, origin: 'http://evil.example' }))).toBe('bad-origin');
    expect(guard.check(request({ ...good, origin: 'null' }))).toBe('bad-origin');
    expect(guard.check(request({ ...good, 'sec-fetch-site': 'cross-site' }))).toBe('bad-origin');
  });

  it('refuses a missing, wrong or differently sized token', () => {
    expect(guard.check(request({ host: good.host }))).toBe('no-token');
    expect(guard.check(request({ ...good, authorization: 'Bearer secret-tokeN' }))).toBe('no-token');
    expect(guard.check(request({ ...good, authorization: 'Bearer secret' }))).toBe('no-token');
    expect(guard.check(request({ ...good, authorization: 'secret-token' }))).toBe('no-token');
  });
});
