import type { EventListener, ServiceEvent } from '../contract/operations';

/** Fan-out of push events to every connected client (windows, browser tabs, the CLI). */
export class EventBus {
  readonly #listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: ServiceEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not stop delivery to the others.
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
