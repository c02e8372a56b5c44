import type { CliOutput } from './output';

/**
 * C0 controls other than tab and line feed, DEL, and C1 controls. Names the CLI prints come
 * from clients' servers and from repositories: an ESC (or a C1 CSI) in one could recolour the
 * terminal, move the cursor, retitle the window or hide what follows.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** The text with each terminal control shown as \xNN (ESC as \x1b); the rest as it is. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The one place the CLI's text meets the terminal. `--json` output is left exactly as
 * written (JSON.stringify escapes C0 itself, and a JSON reader wants the names as they are);
 * standard error is made safe in every mode.
 */
export function terminalSafeOutput(io: CliOutput, options: { rawOut?: boolean } = {}): CliOutput {
  return {
    out: options.rawOut ? (text) => io.out(text) : (text) => io.out(terminalSafe(text)),
    err: (text) => io.err(terminalSafe(text)),
  };
}
