import { ApiError } from '../../../src-main/core/contract/errors';
import { methodNameOf, operationNames } from '../../../src-main/core/contract/names';
import type { ClientApi } from '../../../src-main/core/contract/operations';
import { bridgeTransport } from './bridge-transport';
import { httpTransport, takeAccessToken } from './http-transport';
import type { Transport } from './transport';

/** The typed API the screens use: one method per contract operation, errors as ApiError. */
export function createClient(transport: Transport): ClientApi {
  const client: Record<string, unknown> = {};
  for (const name of operationNames) {
    client[methodNameOf(name)] = async (input: unknown) => {
      const envelope = await transport.call(name, input ?? {});
      if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message, { hint: envelope.error.hint });
      return envelope.result;
    };
  }
  client['subscribe'] = transport.subscribe.bind(transport);
  return client as ClientApi;
}

/** In Electron the preload provides the bridge; in a browser the headless server does. */
export function connect(): { api: ClientApi; transport: Transport['kind'] } {
  const transport = window.sitevault ? bridgeTransport(window.sitevault) : httpTransport(takeAccessToken(window.location, window.history, window.sessionStorage));
  return { api: createClient(transport), transport: transport.kind };
}
