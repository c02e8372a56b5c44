import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL, methodNameOf, operationNames } from '../core/contract/names';

/**
 * The renderer's only door to the main process: one method per contract operation plus
 * `subscribe`. Each method returns the envelope (`{ok, result}` or `{ok, error}`), because
 * custom error fields do not survive the context bridge; the renderer's client unwraps it.
 * No `ipcRenderer`, no generic invoke.
 */
const bridge: Record<string, unknown> = {};
for (const name of operationNames) {
  bridge[methodNameOf(name)] = (input?: unknown) => ipcRenderer.invoke(name, input ?? {});
}
bridge['subscribe'] = (listener: (event: unknown) => void) => {
  const forward = (_event: unknown, payload: unknown) => listener(payload);
  ipcRenderer.on(EVENT_CHANNEL, forward);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, forward);
  };
};

contextBridge.exposeInMainWorld('sitevault', Object.freeze(bridge));
