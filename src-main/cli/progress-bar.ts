import type { Progress, ProgressListener } from '../core/engine/progress';
import { formatBytes, formatDuration } from './format';

/** A one-line progress bar when stdout is a terminal (cleared before the result is printed); nothing otherwise. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stdout): { listener: ProgressListener | undefined; done(): void } {
  if (!stream.isTTY) return { listener: undefined, done() {} };
  let drawn = false;
  const draw = (p: Progress) => {
    const width = 24;
    const fraction = p.bytesTotal ? Math.min(1, p.bytesDone / p.bytesTotal) : p.filesTotal ? Math.min(1, p.filesDone / p.filesTotal) : 0;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const files = p.filesTotal !== null ? `${p.filesDone}/${p.filesTotal} files` : `${p.filesDone} files`;
    const bytes = p.bytesTotal !== null ? `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}` : formatBytes(p.bytesDone);
    const eta = p.etaSeconds !== null ? ` ETA ${formatDuration(p.etaSeconds)}` : '';
    const line = `${p.phase} ${bar} ${files} ${bytes} ${formatBytes(p.bytesPerSecond)}/s${eta}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
    drawn = true;
  };
  return {
    listener: draw,
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
