import { toErrorPayload } from '../core/contract/errors';

/**
 * Runs the app's start-up; whatever throws in it (opening the core, registering handlers,
 * the tray, the scheduler, the window) ends in `fail` with a message for the user, so a
 * failed start never leaves a process running without a window.
 */
export async function runStartup(start: () => Promise<void>, fail: (message: string, error: unknown) => void): Promise<void> {
  try {
    await start();
  } catch (error) {
    fail(startupFailureMessage(error), error);
  }
}

/** A known failure in its own words; anything else with its message, to report as a bug. */
export function startupFailureMessage(error: unknown): string {
  const payload = toErrorPayload(error);
  if (payload.code !== 'INTERNAL') return `${payload.message} (${payload.code})`;
  const reason = error instanceof Error ? error.message : String(error);
  return `An unexpected error stopped the start: ${reason}\nPlease report it with this message.`;
}
