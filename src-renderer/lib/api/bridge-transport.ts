import type { Envelope } from '../../../src-main/core/contract/errors';
import { methodNameOf, type OperationName } from '../../../src-main/core/contract/names';
import type { BridgeApi } from '../../../src-main/core/contract/operations';
import type { Transport } from './transport';

declare global {
  interface Window {
    sitevault?: BridgeApi;
  }
}

export function bridgeTransport(bridge: BridgeApi): Transport {
  return {
    kind: 'electron',
    call(name: OperationName, input: unknown) {
      const method = bridge[methodNameOf(name)] as (input: unknown) => Promise<Envelope<unknown>>;
      return method(input);
    },
    subscribe: (listener) => bridge.subscribe(listener),
  };
}
