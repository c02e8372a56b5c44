import { randomBytes } from 'node:crypto';
import type { Plugin } from 'vite';

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]+)(")/;

/**
 * The renderer's policy as Vite's dev server needs it, and no more: Vite injects each CSS
 * module as a `<style>` element, which `style-src 'self'` refuses. Vite puts a nonce on those
 * elements when `html.cspNonce` is set, so dev mode allows styles with that nonce (new at
 * every start of the dev server), not every inline style. Scripts are unchanged: Vite's
 * client and the modules come from the dev server itself ('self'), as does its HMR socket.
 */
export function devContentSecurityPolicy(policy: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(nonce)) throw new Error(`Not a base64 nonce: ${nonce}`);
  return policy
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .map((directive) => (directive.startsWith('style-src ') ? `${directive} 'nonce-${nonce}'` : directive))
    .join('; ');
}

/** In `electron-vite dev` only (`apply: 'serve'`); the built app keeps the strict policy. */
export function devCspPlugin(): Plugin {
  const nonce = randomBytes(18).toString('base64');
  return {
    name: 'sitevault-dev-csp',
    apply: 'serve',
    config: () => ({ html: { cspNonce: nonce } }),
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => {
        if (!CSP_META.test(html)) throw new Error('src-renderer/index.html has no Content-Security-Policy meta tag to relax for the dev server.');
        return html.replace(CSP_META, (_match, before: string, policy: string, after: string) => `${before}${devContentSecurityPolicy(policy, nonce)}${after}`);
      },
    },
  };
}
