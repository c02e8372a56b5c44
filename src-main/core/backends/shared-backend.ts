import type { Backend, ByteRange, CallOptions, ObjectInfo } from './backend';

interface SharedEntry {
  key: string;
  backend: Backend;
  leases: number;
}

/**
 * One backend per destination for the whole process, handed out as leases: jobs that run at
 * the same time on one destination share its connection pool, so the destination's maximum
 * connections holds across jobs, not only within one. The backend closes when its last lease
 * does; a destination whose settings or secrets changed gets a new one (`key` differs).
 */
export class SharedBackends {
  readonly #entries = new Map<string, SharedEntry>();

  lease(name: string, key: string, open: () => Backend): Backend {
    let entry = this.#entries.get(name);
    if (!entry || entry.key !== key) {
      entry = { key, backend: open(), leases: 0 };
      this.#entries.set(name, entry);
    }
    entry.leases++;
    const owner = entry;
    return new BackendLease(owner.backend, async () => {
      owner.leases--;
      if (owner.leases > 0) return;
      if (this.#entries.get(name) === owner) this.#entries.delete(name);
      await owner.backend.close();
    });
  }
}

class BackendLease implements Backend {
  #released = false;
  constructor(
    private readonly inner: Backend,
    private readonly release: () => Promise<void>,
  ) {}
  get properties() {
    return this.inner.properties;
  }
  list(folder: string, options?: CallOptions): Promise<ObjectInfo[]> {
    return this.inner.list(folder, options);
  }
  stat(name: string, options?: CallOptions): Promise<ObjectInfo> {
    return this.inner.stat(name, options);
  }
  read(name: string, range?: ByteRange, options?: CallOptions): Promise<Buffer> {
    return this.inner.read(name, range, options);
  }
  write(name: string, data: Buffer, options?: CallOptions): Promise<void> {
    return this.inner.write(name, data, options);
  }
  delete(name: string, options?: CallOptions): Promise<void> {
    return this.inner.delete(name, options);
  }
  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.release();
  }
}
