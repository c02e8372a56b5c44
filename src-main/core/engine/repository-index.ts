import { z } from 'zod';
import type { Compression } from './compression';
import type { BlobLocation, BlobType, PackEntry } from './pack';

/**
 * `index/<id>`: which blob is in which pack, where. Written after the packs it describes,
 * in batches, so an interrupted backup still leaves most of its uploads findable. Any index
 * can be rebuilt from the pack headers.
 */
export const indexFileSchema = z.object({
  version: z.literal(1),
  supersedes: z.array(z.string()).default([]),
  packs: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().nonnegative(),
      // [id, type (0 data, 1 tree), offset, length, rawLength, compression]
      blobs: z.array(z.tuple([z.string().regex(/^[0-9a-f]{64}$/), z.number(), z.number(), z.number(), z.number(), z.number()])),
    }),
  ),
});
export type IndexFile = z.infer<typeof indexFileSchema>;

export interface PackRecord {
  id: string;
  size: number;
  entries: PackEntry[];
}

export function toIndexFile(packs: readonly PackRecord[], supersedes: readonly string[] = []): IndexFile {
  return {
    version: 1,
    supersedes: [...supersedes],
    packs: packs.map((pack) => ({
      id: pack.id,
      size: pack.size,
      blobs: pack.entries.map((e) => [e.id, e.type === 'tree' ? 1 : 0, e.offset, e.length, e.rawLength, e.compression] as [string, number, number, number, number, number]),
    })),
  };
}

export class BlobIndex {
  readonly #blobs = new Map<string, BlobLocation>();
  /** Pack id to its size and the index files that list it. */
  readonly packs = new Map<string, { size: number; indexFiles: Set<string> }>();

  get blobCount(): number {
    return this.#blobs.size;
  }

  has(id: string): boolean {
    return this.#blobs.has(id);
  }

  get(id: string): BlobLocation | undefined {
    return this.#blobs.get(id);
  }

  entries(): IterableIterator<[string, BlobLocation]> {
    return this.#blobs.entries();
  }

  addPack(pack: PackRecord, indexFile: string): void {
    const known = this.packs.get(pack.id);
    if (known) known.indexFiles.add(indexFile);
    else this.packs.set(pack.id, { size: pack.size, indexFiles: new Set([indexFile]) });
    for (const entry of pack.entries) {
      if (!this.#blobs.has(entry.id)) {
        this.#blobs.set(entry.id, {
          pack: pack.id,
          type: entry.type,
          offset: entry.offset,
          length: entry.length,
          rawLength: entry.rawLength,
          compression: entry.compression,
        });
      }
    }
  }

  addFile(name: string, file: IndexFile): void {
    for (const pack of file.packs) {
      this.addPack(
        {
          id: pack.id,
          size: pack.size,
          entries: pack.blobs.map(([id, type, offset, length, rawLength, compression]) => ({
            id,
            type: (type === 1 ? 'tree' : 'data') as BlobType,
            offset,
            length,
            rawLength,
            compression: compression as Compression,
          })),
        },
        name,
      );
    }
  }
}
