import { ApiError, type ErrorPayload } from '../../src-main/core/contract/errors';
import { appHint } from './hints';
/** Human-readable sizes, times and durations for the screens. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatTime(iso: string | number): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What the screens say about an error: the core's facts, then the next step in the app's words. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const hint = appHint(error);
    return hint ? `${error.message} ${hint}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The same for an error that arrived as a payload (a job's error). */
export function payloadMessage(error: { code: string; message: string; hint?: ErrorPayload['hint'] }): string {
  const hint = appHint(error);
  return hint ? `${error.message} ${hint}` : error.message;
}
