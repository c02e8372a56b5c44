import { describe, expect, it } from 'vitest';
import { errorCodes } from './errors';
import { eventNames, methodNameOf, operationNamePattern, operationNames } from './names';
import { events, operations } from './operations';

describe('service contract', () => {
  it('declares a schema for exactly the listed operations and events', () => {
    expect(Object.keys(operations).sort()).toEqual([...operationNames].sort());
    expect(Object.keys(events).sort()).toEqual([...eventNames].sort());
  });

  it('names every operation and event domain:verb', () => {
    for (const name of [...operationNames, ...eventNames]) expect(name).toMatch(operationNamePattern);
  });

  it('derives distinct client method names', () => {
    expect(methodNameOf('app:info')).toBe('appInfo');
    expect(methodNameOf('keychain:status')).toBe('keychainStatus');
    const methods = operationNames.map(methodNameOf);
    expect(new Set(methods).size).toBe(methods.length);
    expect(methods).not.toContain('subscribe');
  });

  it('has stable error codes including the ones adapters rely on', () => {
    expect(errorCodes).toEqual(expect.arrayContaining(['AUTH_FAILED', 'HOST_KEY_CHANGED', 'NOT_FOUND', 'CANCELLED', 'BAD_REQUEST', 'UNAUTHORIZED']));
  });
});
