import type { Envelope } from '../../../src-main/core/contract/errors';
import type { OperationName } from '../../../src-main/core/contract/names';
import type { EventListener } from '../../../src-main/core/contract/operations';

/** How the client reaches the service: the Electron bridge or the headless server. */
export interface Transport {
  readonly kind: 'electron' | 'http';
  call(name: OperationName, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: EventListener): () => void;
}
