import { assertObjectName, BackendError, notFound, type Backend, type ByteRange, type ObjectInfo } from './backend';

/**
 * A repository held in memory (like restic's backend/mem): the engine's logic can be tested
 * in milliseconds, with the same object names, not-found errors and range reads as the real
 * stores. Every object is copied in and out, so a caller that reuses its buffer changes nothing.
 */
export class MemoryBackend implements Backend {
  readonly properties = { location: 'memory:', maxConnections: 0 };
  readonly #objects = new Map<string, Buffer>();

  async list(folder: string): Promise<ObjectInfo[]> {
    const prefix = `${folder}/`;
    return [...this.#objects].filter(([name]) => name.startsWith(prefix)).map(([name, data]) => ({ name, size: data.length }));
  }

  async stat(name: string): Promise<ObjectInfo> {
    return { name, size: this.#get(name).length };
  }

  async read(name: string, range?: ByteRange): Promise<Buffer> {
    const data = this.#get(name);
    if (!range) return Buffer.from(data);
    if (range.offset + range.length > data.length) {
      throw new BackendError('permanent', 'TRUNCATED', `${name} is shorter than expected (${data.length} bytes, asked for ${range.length} at ${range.offset}).`);
    }
    return Buffer.from(data.subarray(range.offset, range.offset + range.length));
  }

  async write(name: string, data: Buffer): Promise<void> {
    assertObjectName(name);
    this.#objects.set(name, Buffer.from(data));
  }

  async delete(name: string): Promise<void> {
    this.#get(name);
    this.#objects.delete(name);
  }

  async close(): Promise<void> {}

  #get(name: string): Buffer {
    assertObjectName(name);
    const data = this.#objects.get(name);
    if (!data) throw notFound(this.properties.location, name);
    return data;
  }
}
