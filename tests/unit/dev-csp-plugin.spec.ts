import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/server/security-headers';
import { devContentSecurityPolicy } from '../../scripts/dev-csp-plugin';

describe('the dev server’s CSP', () => {
  it('adds the nonce to style-src and changes nothing else', () => {
    const dev = devContentSecurityPolicy(CONTENT_SECURITY_POLICY, 'AbC+/12=');
    expect(dev).toBe(CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'nonce-AbC+/12='"));
  });

  it('refuses a nonce that could end the directive', () => {
    expect(() => devContentSecurityPolicy(CONTENT_SECURITY_POLICY, "x'; script-src *")).toThrow(/Not a base64 nonce/);
  });
});
