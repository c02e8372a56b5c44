import type { Envelope } from '../../../src-main/core/contract/errors';
import { eventNames, type EventName, type OperationName } from '../../../src-main/core/contract/names';
import type { EventListener, ServiceEvent } from '../../../src-main/core/contract/operations';
import type { Transport } from './transport';

const TOKEN_KEY = 'sitevault.token';

/**
 * The token `sitevault serve` printed arrives in the URL fragment. It is moved to session
 * storage (so a reload keeps working) and removed from the address bar.
 */
export function takeAccessToken(location: Location, history: History, storage: Storage): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

function isEventName(value: string): value is EventName {
  return (eventNames as readonly string[]).includes(value);
}

/** Parses a server-sent-events stream into events; returns when the stream ends. */
async function readEventStream(body: ReadableStream<Uint8Array>, deliver: (event: ServiceEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let name = '';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (name && isEventName(name)) deliver({ name, payload: JSON.parse(data) } as ServiceEvent);
    }
  }
}

export function httpTransport(token: string | null, fetchImpl: typeof fetch = fetch.bind(globalThis)): Transport {
  const headers = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});
  const listeners = new Set<EventListener>();
  let stream: AbortController | null = null;
  const deliver = (event: ServiceEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not stop delivery to the others.
      }
    }
  };

  function openStream(): AbortController {
    const controller = new AbortController();
    const connect = async (attempt: number): Promise<void> => {
      try {
        const response = await fetchImpl('/api/events', { headers: headers(), signal: controller.signal });
        if (response.ok && response.body) await readEventStream(response.body, deliver);
      } catch {
        // Dropped or refused: retried below unless we were asked to stop.
      }
      if (controller.signal.aborted) return;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      setTimeout(() => void connect(attempt + 1), delay);
    };
    void connect(0);
    return controller;
  }

  return {
    kind: 'http',
    async call(name: OperationName, input: unknown): Promise<Envelope<unknown>> {
      let response: Response;
      try {
        response = await fetchImpl(`/api/call/${name}`, {
          method: 'POST',
          headers: { ...headers(), 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return { ok: false, error: { code: 'CONNECTION_FAILED', message: 'The SiteVault server is not answering. Is `sitevault serve` still running?' } };
      }
      return (await response.json()) as Envelope<unknown>;
    },
    // One event stream for every subscriber: a browser keeps only six connections per server,
    // and each open stream holds one of them.
    subscribe(listener: EventListener): () => void {
      listeners.add(listener);
      if (!stream) stream = openStream();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
  };
}
