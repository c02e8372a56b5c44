import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Decides whether a request may drive the API. Three checks, each against a different
 * attacker: the Host header (DNS rebinding from a web page), the Origin header (other
 * local pages, cross-origin fetches) and the per-start bearer token (other local
 * processes and users).
 */
export interface RequestGuard {
  readonly token: string;
  readonly origin: string;
  check(request: IncomingMessage): 'ok' | 'bad-host' | 'bad-origin' | 'no-token';
}

export function createRequestGuard(token: string, port: number): RequestGuard {
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const expected = Buffer.from(token, 'utf8');

  function tokenMatches(presented: string | undefined): boolean {
    if (!presented) return false;
    const given = Buffer.from(presented, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  return {
    token,
    origin: `http://127.0.0.1:${port}`,
    check(request) {
      if (!allowedHosts.has(request.headers.host ?? '')) return 'bad-host';
      const origin = request.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin)) return 'bad-origin';
      const fetchSite = request.headers['sec-fetch-site'];
      if (fetchSite === 'cross-site' || fetchSite === 'same-site') return 'bad-origin';
      const auth = request.headers.authorization;
      const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      return tokenMatches(bearer) ? 'ok' : 'no-token';
    },
  };
}
