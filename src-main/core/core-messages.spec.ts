import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError, toErrorPayload } from './contract/errors';
import { BackendError } from './backends/backend';

const CORE = import.meta.dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The text of each `new ApiError(…)` / `new BackendError(…)` call, up to its closing parenthesis. */
function errorCalls(code: string): string[] {
  const calls: string[] = [];
  for (const match of code.matchAll(/new (ApiError|BackendError)\(/g)) {
    let depth = 0;
    let i = match.index + match[0].length - 1;
    for (; i < code.length; i++) {
      if (code[i] === '(') depth++;
      else if (code[i] === ')' && --depth === 0) break;
    }
    calls.push(code.slice(match.index, i + 1));
  }
  return calls;
}

describe('core error messages', () => {
  it('name no CLI flag or command: each adapter adds its own next step from the hint', () => {
    const offenders = sources(CORE).flatMap((file) =>
      errorCalls(readFileSync(file, 'utf8'))
        .filter((call) => /\s--[a-z]|`sitevault |sitevault (init|site|repair|backup|restore)\b/.test(call))
        .map((call) => `${file.slice(CORE.length)}: ${call.slice(0, 120)}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keep their hint on the way to the adapters', () => {
    expect(toErrorPayload(new ApiError('NOT_FOUND', 'No repository.', { hint: 'create-repository' }))).toEqual({ code: 'NOT_FOUND', message: 'No repository.', hint: 'create-repository' });
    expect(toErrorPayload(new BackendError('permanent', 'HOST_KEY_UNKNOWN', 'Not trusted yet.', { hint: 'confirm-host-key' })).hint).toBe('confirm-host-key');
    expect(toErrorPayload(new ApiError('DAMAGE_FOUND', 'Damaged.')).code).toBe('DAMAGE_FOUND');
    expect(toErrorPayload(new Error('secret detail')).code).toBe('INTERNAL');
  });
});
