/** Progress of a long operation, as the event stream and the CLI's progress bar show it. */
export interface Progress {
  phase: string;
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number;
  /** Seconds left, when it can be estimated. */
  etaSeconds: number | null;
  currentPath: string | null;
}

export type ProgressListener = (progress: Progress) => void;

/** Tracks counters and throttles reports to a few per second. */
export class ProgressTracker {
  filesDone = 0;
  bytesDone = 0;
  filesTotal: number | null = null;
  bytesTotal: number | null = null;
  phase = 'starting';
  currentPath: string | null = null;
  readonly #samples: Array<[number, number]> = [];
  #lastReport = 0;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 250,
  ) {}

  snapshot(now = Date.now()): Progress {
    this.#samples.push([now, this.bytesDone]);
    while (this.#samples.length > 2 && now - this.#samples[0]![0] > 5_000) this.#samples.shift();
    const [t0, b0] = this.#samples[0]!;
    const rate = now > t0 ? ((this.bytesDone - b0) * 1000) / (now - t0) : 0;
    const left = this.bytesTotal === null ? null : Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      phase: this.phase,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      bytesPerSecond: Math.round(rate),
      etaSeconds: left === null || rate <= 0 ? null : Math.round(left / rate),
      currentPath: this.currentPath,
    };
  }

  report(force = false): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.#lastReport < this.intervalMs) return;
    this.#lastReport = now;
    this.listener(this.snapshot(now));
  }
}
