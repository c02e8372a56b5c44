import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Compression } from './compression';
import type { MasterKeys } from './crypto';

export interface SealedBlob {
  id: string;
  sealed: Buffer;
  compression: Compression;
}

/**
 * Where the worker script is: next to this module in the build (out/main/seal-worker.js), or
 * as TypeScript in a checkout, loaded through tsx (tests run the sources).
 */
function workerScript(): URL | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const source = new URL('./seal-worker.ts', here);
    const tsx = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
    const bootstrap = `import { register } from ${JSON.stringify(pathToFileURL(tsx).href)}; register(); await import(${JSON.stringify(source.href)});`;
    return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
  }
  return [new URL('./seal-worker.js', here), new URL('../seal-worker.js', here)].find((url) => existsSync(fileURLToPath(url))) ?? null;
}

/**
 * Worker threads that seal blobs (id, compression, encryption), one per core, so a backup
 * uses every core. If workers cannot start, `create` returns null and callers seal in-thread.
 */
export class SealPool {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: (blob: SealedBlob) => void; reject: (error: unknown) => void }>();
  #seq = 0;
  #next = 0;
  #broken: unknown = null;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    for (const worker of workers) {
      worker.on('message', (message: { seq: number; id: string; compression: Compression; sealed: Uint8Array }) => {
        const waiter = this.#pending.get(message.seq);
        this.#pending.delete(message.seq);
        waiter?.resolve({ id: message.id, compression: message.compression, sealed: Buffer.from(message.sealed.buffer, message.sealed.byteOffset, message.sealed.byteLength) });
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`a sealing worker stopped (exit ${code})`));
      });
      worker.unref();
    }
  }

  #fail(error: unknown): void {
    this.#broken ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  static create(keys: MasterKeys, size = availableParallelism()): SealPool | null {
    const script = workerScript();
    if (!script || size < 1) return null;
    try {
      // A worker holds one blob (at most 4 MiB, plus its compressed copy) at a time. Without a
      // limit of its own, each worker's heap grows lazily to hundreds of MiB before collecting.
      const resourceLimits = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };
      const workers = Array.from({ length: size }, () => new Worker(script, { workerData: { encryption: keys.encryption, id: keys.id }, resourceLimits }));
      return new SealPool(workers);
    } catch {
      return null;
    }
  }

  get broken(): boolean {
    return this.#broken !== null;
  }

  seal(plaintext: Buffer): Promise<SealedBlob> {
    if (this.#broken) return Promise.reject(this.#broken);
    const seq = this.#seq++;
    const worker = this.#workers[this.#next++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      worker.ref();
      // A chunk is often a view into a whole file's buffer, and posting a view would copy the
      // entire underlying ArrayBuffer each time: send exactly its bytes, transferred.
      const exact = new Uint8Array(plaintext.length);
      exact.set(plaintext);
      worker.postMessage({ seq, data: exact }, [exact.buffer]);
    }).finally(() => {
      if (this.#pending.size === 0) for (const w of this.#workers) w.unref();
    }) as Promise<SealedBlob>;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
