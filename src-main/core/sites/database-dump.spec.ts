import { describe, expect, it } from 'vitest';
import { MAX_SERVER_REASON, serverReason } from './database-dump';

describe('serverReason: what a client server wrote about its database, made fit to keep and show', () => {
  it('keeps a plain error as it is', () => {
    expect(serverReason("mysqldump: Got error: 1045: Access denied for user 'wp'@'localhost'", 'pw')).toBe("mysqldump: Got error: 1045: Access denied for user 'wp'@'localhost'");
  });

  it('drops control characters, bounds the length, and never repeats the password', () => {
    const hostile = `\u001b[2Jerror: the password was hunter2-secret ${'x'.repeat(10_000)}\u202e`;
    const reason = serverReason(hostile, 'hunter2-secret');
    expect(reason).not.toContain('hunter2-secret');
    expect(reason).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(reason.length).toBeLessThanOrEqual(MAX_SERVER_REASON + 1);
    expect(reason.startsWith('[2Jerror: the password was ***')).toBe(true);
  });
});
