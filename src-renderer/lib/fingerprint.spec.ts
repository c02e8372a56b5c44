import { describe, expect, it } from 'vitest';
import { hexFingerprint } from './fingerprint';

describe('a certificate fingerprint as openssl prints it', () => {
  it('is the same SHA-256 digest in colon-separated hexadecimal', () => {
    const digest = Array.from({ length: 32 }, (_, i) => i * 7 + 3);
    const base64 = `SHA256:${btoa(String.fromCharCode(...digest)).replace(/=+$/, '')}`;
    expect(hexFingerprint(base64)).toBe(digest.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':'));
    expect(hexFingerprint(base64)).toMatch(/^03:0A:11:18:/);
  });

  it('is null for anything else', () => {
    expect(hexFingerprint('MD5:aa:bb')).toBeNull();
    expect(hexFingerprint('SHA256:short')).toBeNull();
  });
});
