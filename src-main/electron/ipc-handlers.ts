import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Envelope } from '../core/contract/errors';
import { operationNames } from '../core/contract/names';
import type { ServiceHandlers } from '../core/contract/operations';
import { dispatch } from '../core/service/dispatch';
import { urlBelongsToRenderer } from './renderer-location';

export { urlBelongsToRenderer } from './renderer-location';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * The only place that registers IPC handlers: one per contract operation, each checking
 * that the call comes from our own window before the arguments are validated and the
 * handler runs. Results and errors cross as envelopes (`{ok, result}` / `{ok, error}`).
 */
export function registerServiceHandlers(handlers: ServiceHandlers, isTrustedSender: SenderCheck, onInternalError: (error: unknown) => void): () => void {
  for (const name of operationNames) {
    ipcMain.handle(name, async (event, input: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not use the SiteVault API.' } };
      }
      return dispatch(handlers, name, input, onInternalError);
    });
  }
  return () => {
    for (const name of operationNames) ipcMain.removeHandler(name);
  };
}

/** Trust a call only from the given window's top frame, showing our own renderer. */
export function senderIsWindow(webContentsId: () => number | undefined, rendererUrl: string): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame) return false;
    if (event.sender.id !== webContentsId()) return false;
    return urlBelongsToRenderer(frame.url, rendererUrl);
  };
}
