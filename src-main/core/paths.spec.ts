import { describe, expect, it } from 'vitest';
import { homedir } from 'node:os';
import { resolveDataDir } from './paths';

describe('resolveDataDir', () => {
  it('uses SITEVAULT_HOME when set, made absolute', () => {
    expect(resolveDataDir({ SITEVAULT_HOME: '/tmp/sv-home' }, 'linux')).toBe('/tmp/sv-home');
    expect(resolveDataDir({ SITEVAULT_HOME: 'rel/dir' }, 'linux')).toBe(`${process.cwd()}/rel/dir`);
  });

  it('follows the platform conventions otherwise', () => {
    expect(resolveDataDir({}, 'linux')).toBe(`${homedir()}/.config/SiteVault`);
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/SiteVault');
    expect(resolveDataDir({}, 'darwin')).toBe(`${homedir()}/Library/Application Support/SiteVault`);
    expect(resolveDataDir({ APPDATA: '/appdata' }, 'win32')).toBe('/appdata/SiteVault');
  });

  it('ignores an empty override', () => {
    expect(resolveDataDir({ SITEVAULT_HOME: '  ' }, 'linux')).toBe(`${homedir()}/.config/SiteVault`);
  });
});
