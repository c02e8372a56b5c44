import { describe, expect, it } from 'vitest';
import { rootLoginWarning } from './root-login';

describe('the warning before a restore over a root login', () => {
  it('is given when the URL names root or a shell says uid 0', () => {
    expect(rootLoginWarning('Shop', 'root', null)).toMatch(/^Shop is reached as root: the restored files will belong to root/);
    expect(rootLoginWarning('Shop', 'toor', 0)).toMatch(/^Shop is reached as toor, user id 0: /);
    expect(rootLoginWarning('Shop', 'root', 0)).toMatch(/Setuid and setgid bits are never restored/);
  });

  it('is not given for another login, known or not', () => {
    expect(rootLoginWarning('Shop', 'shop', 1001)).toBeNull();
    expect(rootLoginWarning('Shop', 'shop', null)).toBeNull();
    expect(rootLoginWarning('Shop', 'rooter', null)).toBeNull();
  });
});
