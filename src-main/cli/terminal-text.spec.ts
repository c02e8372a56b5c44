import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeOutput } from './terminal-text';

describe('terminal-safe text', () => {
  it('shows C0 (but tab and line feed), DEL and C1 controls as \\xNN', () => {
    expect(terminalSafe('a\x1b[31mb\x07c\rd\x00e\x7ff\x9bg\x85h')).toBe('a\\x1b[31mb\\x07c\\x0dd\\x00e\\x7ff\\x9bg\\x85h');
    expect(terminalSafe('tab\there\nnext line ünïcødé 日本 \u00a0')).toBe('tab\there\nnext line ünïcødé 日本 \u00a0');
  });

  it('leaves --json output as written, never standard error', () => {
    const seen: string[] = [];
    const io = { out: (t: string) => seen.push(`out:${t}`), err: (t: string) => seen.push(`err:${t}`) };
    terminalSafeOutput(io, { rawOut: true }).out('{"path":"a\x9bb"}');
    terminalSafeOutput(io, { rawOut: true }).err('x\x1by');
    terminalSafeOutput(io).out('x\x1by');
    expect(seen).toEqual(['out:{"path":"a\x9bb"}', 'err:x\\x1by', 'out:x\\x1by']);
  });
});
