import { openBlob, packName } from './pack';
import type { Repository } from './repository';
import type { FileNode } from './tree';

type Result = { ok: true; data: Buffer } | { ok: false; error: Error };

const MAX_SPAN = 8 * 1024 * 1024;
const MAX_GAP = 64 * 1024;

/**
 * The contents of many files, in a fixed order, for writers that must go in order (a tar or
 * zip stream, an upload). Blob reads run ahead of the consumer, bounded in count and bytes,
 * and neighbouring blobs of one pack are fetched with one ranged read.
 */
export class ContentStream {
  readonly #ids: string[];
  #cursor = 0;
  readonly #pending: Array<{ result: Promise<Result>; bytes: number }> = [];
  #bytesAhead = 0;

  constructor(
    private readonly repo: Repository,
    files: readonly Pick<FileNode, 'content'>[],
    private readonly maxAhead = 64,
    private readonly maxBytesAhead = 32 * 1024 * 1024,
  ) {
    this.#ids = files.flatMap((f) => f.content);
  }

  #fill(): void {
    while (this.#cursor < this.#ids.length && this.#pending.length < this.maxAhead && this.#bytesAhead < this.maxBytesAhead) {
      const first = this.#cursor;
      const firstLocation = this.repo.index.get(this.#ids[first]!);
      let last = first;
      if (firstLocation) {
        let end = firstLocation.offset + firstLocation.length;
        while (last + 1 < this.#ids.length && this.#pending.length + (last + 1 - first) < this.maxAhead) {
          const next = this.repo.index.get(this.#ids[last + 1]!);
          if (!next || next.pack !== firstLocation.pack || next.offset < end || next.offset - end > MAX_GAP || next.offset + next.length - firstLocation.offset > MAX_SPAN) break;
          end = next.offset + next.length;
          last++;
        }
      }
      this.#cursor = last + 1;
      const ids = this.#ids.slice(first, last + 1);
      this.#bytesAhead += ids.reduce((sum, id) => sum + (this.repo.index.get(id)?.rawLength ?? 0), 0);
      const span = ids.length === 1 ? null : this.#readSpan(ids);
      ids.forEach((id, i) => {
        const result: Promise<Result> = (span ? span.then((all) => all[i]!) : this.repo.readBlob(id).then((data) => ({ ok: true as const, data }))).catch((error: unknown) => ({
          ok: false as const,
          error: error as Error,
        }));
        this.#pending.push({ result, bytes: this.repo.index.get(id)?.rawLength ?? 0 });
      });
    }
  }

  async #readSpan(ids: string[]): Promise<Result[]> {
    const locations = ids.map((id) => this.repo.index.get(id)!);
    const start = locations[0]!.offset;
    const end = locations.at(-1)!.offset + locations.at(-1)!.length;
    const pack = locations[0]!.pack;
    const span = await this.repo.backend.read(packName(pack), { offset: start, length: end - start });
    return Promise.all(
      ids.map(async (id, i): Promise<Result> => {
        const at = locations[i]!;
        try {
          const data = await openBlob(this.repo.keys, id, span.subarray(at.offset - start, at.offset - start + at.length), at.compression, at.rawLength, `pack ${pack.slice(0, 12)}`);
          return { ok: true, data };
        } catch (error) {
          return { ok: false, error: error as Error };
        }
      }),
    );
  }

  /** The next blob in order; throws if it could not be read. */
  async nextBlob(): Promise<Buffer> {
    this.#fill();
    const next = this.#pending.shift();
    if (!next) throw new Error('ContentStream: read past the last blob');
    const result = await next.result;
    this.#bytesAhead -= next.bytes;
    this.#fill();
    if (!result.ok) throw result.error;
    return result.data;
  }

  /**
   * A file's content, piece by piece; files must be read in the order given. Leaving early
   * (an error, a break) still consumes the file's remaining blobs, so the next file lines up.
   */
  async *file(file: Pick<FileNode, 'content'>): AsyncGenerator<Buffer> {
    let consumed = 0;
    try {
      while (consumed < file.content.length) {
        consumed++;
        yield await this.nextBlob();
      }
    } finally {
      for (; consumed < file.content.length; consumed++) await this.nextBlob().catch(() => {});
    }
  }

  /** A small file whole, or null with the reason when it cannot be read (its blobs consumed). */
  async whole(file: Pick<FileNode, 'content'>): Promise<{ data: Buffer } | { error: Error }> {
    const pieces: Buffer[] = [];
    try {
      for await (const piece of this.file(file)) pieces.push(piece);
      return { data: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces) };
    } catch (error) {
      return { error: error as Error };
    }
  }
}
