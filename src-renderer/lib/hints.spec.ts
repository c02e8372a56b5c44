import { describe, expect, it } from 'vitest';
import { hintKeys } from '../../src-main/core/contract/errors';
import { appHint } from './hints';

describe("the app's next steps", () => {
  it('name no command-line flag or command: the app words them as its own screens and buttons', () => {
    const offenders = hintKeys.map((hint) => [hint, appHint({ code: 'BAD_REQUEST', hint })] as const).filter(([, text]) => !text || /(^|\s)--[a-z]|\bsitevault [a-z]/.test(text));
    expect(offenders).toEqual([]);
  });

  it('tell the cause’s next step for a server that cannot be reached or speaks another protocol', () => {
    expect(appHint({ code: 'CONNECTION_FAILED', hint: 'check-server-name' })).toMatch(/^Check the spelling/);
    expect(appHint({ code: 'CONNECTION_FAILED', hint: 'choose-sftp' })).toBe('Choose SFTP as the protocol for this port.');
    expect(appHint({ code: 'CONNECTION_FAILED', hint: 'choose-ftp' })).toBe('Choose FTP or FTPS as the protocol for this port.');
  });
});
