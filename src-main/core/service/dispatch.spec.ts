import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors';
import type { ServiceHandlers } from '../contract/operations';
import { dispatch } from './dispatch';
import { operationNames } from '../contract/names';

const info = {
  name: 'SiteVault',
  version: '1.0.0',
  shell: 'cli' as const,
  platform: 'linux',
  arch: 'x64',
  nodeVersion: '20',
  electronVersion: null,
  dataDir: '/tmp/x',
};

const unused = async (): Promise<never> => {
  throw new Error('not used in this test');
};
const otherHandlers = Object.fromEntries(operationNames.map((name) => [name, unused])) as unknown as ServiceHandlers;

function handlers(overrides: Partial<ServiceHandlers> = {}): ServiceHandlers {
  return {
    ...otherHandlers,
    'app:info': async () => info,
    'keychain:status': async () => ({ available: true, backend: 'Secret Service', problem: null }),
    ...overrides,
  };
}

describe('dispatch', () => {
  it('runs a known operation with valid input', async () => {
    expect(await dispatch(handlers(), 'app:info', {})).toEqual({ ok: true, result: info });
  });

  it('treats a missing input as an empty object', async () => {
    expect((await dispatch(handlers(), 'app:info', undefined)).ok).toBe(true);
  });

  it('answers NOT_FOUND for an unknown operation', async () => {
    const out = await dispatch(handlers(), 'app:format-disk', {});
    expect(out).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Unknown operation: app:format-disk' } });
  });

  it('answers BAD_REQUEST for input the schema rejects, naming the field', async () => {
    const out = await dispatch(handlers(), 'app:info', { extra: 1 });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.code).toBe('BAD_REQUEST');
      expect(out.error.message).toContain('app:info');
    }
  });

  it('passes ApiError codes through and hides other errors', async () => {
    const failing = handlers({
      'app:info': async () => {
        throw new ApiError('KEYCHAIN_UNAVAILABLE', 'no keychain');
      },
      'keychain:status': async () => {
        throw new Error('secret detail /home/x password=hunter2');
      },
    });
    const seen: unknown[] = [];
    expect(await dispatch(failing, 'app:info', {})).toEqual({
      ok: false,
      error: { code: 'KEYCHAIN_UNAVAILABLE', message: 'no keychain' },
    });
    const hidden = await dispatch(failing, 'keychain:status', {}, (e) => seen.push(e));
    expect(hidden.ok).toBe(false);
    if (!hidden.ok) {
      expect(hidden.error.code).toBe('INTERNAL');
      expect(hidden.error.message).not.toContain('hunter2');
    }
    expect(seen).toHaveLength(1);
  });
});
