import { describe, expect, it } from 'vitest';
import { ApiError } from '../core/contract/errors';
import { runStartup, startupFailureMessage } from './startup';

describe('the app’s start-up', () => {
  it('turns a throw after the core opened (here: a step after openCore) into one failure for the dialog', async () => {
    const failures: string[] = [];
    const steps: string[] = [];
    await runStartup(
      async () => {
        steps.push('core opened');
        throw new Error('Tray icon not found');
      },
      (message) => failures.push(message),
    );
    expect(steps).toEqual(['core opened']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('Tray icon not found');
  });

  it('does not call the failure handler when start-up succeeds', async () => {
    const failures: string[] = [];
    await runStartup(
      async () => {},
      (message) => failures.push(message),
    );
    expect(failures).toEqual([]);
  });

  it('shows a known failure in its own words, with its code', () => {
    expect(startupFailureMessage(new ApiError('SETTINGS_INVALID', 'settings.json is not valid JSON: line 3.'))).toBe('settings.json is not valid JSON: line 3. (SETTINGS_INVALID)');
  });

  it('shows anything else as unexpected, with its message to report', () => {
    expect(startupFailureMessage(new TypeError('x is undefined'))).toMatch(/^An unexpected error stopped the start: x is undefined/);
  });
});
