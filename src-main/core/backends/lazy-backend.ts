import type { Backend, BackendProperties, ByteRange, CallOptions, ObjectInfo } from './backend';

/**
 * A backend whose code loads at its first call. The AWS SDK alone takes longer to load than
 * Node takes to start, and most commands never reach an S3 destination.
 */
export class LazyBackend implements Backend {
  #loaded: Promise<Backend> | null = null;

  constructor(
    readonly properties: BackendProperties,
    private readonly load: () => Promise<Backend>,
  ) {}

  #backend(): Promise<Backend> {
    this.#loaded ??= this.load();
    return this.#loaded;
  }

  async list(folder: string, options?: CallOptions): Promise<ObjectInfo[]> {
    return (await this.#backend()).list(folder, options);
  }

  async stat(name: string, options?: CallOptions): Promise<ObjectInfo> {
    return (await this.#backend()).stat(name, options);
  }

  async read(name: string, range?: ByteRange, options?: CallOptions): Promise<Buffer> {
    return (await this.#backend()).read(name, range, options);
  }

  async write(name: string, data: Buffer, options?: CallOptions): Promise<void> {
    return (await this.#backend()).write(name, data, options);
  }

  async delete(name: string, options?: CallOptions): Promise<void> {
    return (await this.#backend()).delete(name, options);
  }

  async close(): Promise<void> {
    if (this.#loaded) await (await this.#loaded).close();
  }
}
