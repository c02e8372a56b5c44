import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Envelope, ErrorPayload } from '../core/contract/errors';
import type { ServiceHandlers } from '../core/contract/operations';
import { dispatch } from '../core/service/dispatch';
import type { EventBus } from '../core/service/event-bus';
import { createRequestGuard, type RequestGuard } from './request-guard';
import { SECURITY_HEADERS } from './security-headers';
import { resolveStaticFile } from './static-files';

const MAX_BODY_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 25_000;
export const LOOPBACK = '127.0.0.1';

export interface HeadlessServerOptions {
  handlers: ServiceHandlers;
  events: EventBus;
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  onInternalError?: (error: unknown) => void;
  /**
   * Serves `GET /api/download/<id>`: the id is a one-time capability handed out by the
   * `download:start` operation (a browser download cannot send the bearer token).
   */
  openDownload?: (id: string) => Promise<{ fileName: string; contentType: string; stream: (out: ServerResponse) => Promise<void> } | null>;
}

export interface HeadlessServer {
  readonly port: number;
  /** The address to open, with the token in the fragment (never sent to the server in logs). */
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * `attachment` with the name twice (RFC 6266): an ASCII stand-in for old clients, and the name
 * itself in UTF-8 (RFC 8187), so that "Café" stays "Café" in the browser's save.
 */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\w.-]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function refuse(response: ServerResponse, status: number, error: ErrorPayload): void {
  send(response, status, { ok: false, error } satisfies Envelope<never>);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : JSON.parse(text);
}

/**
 * The headless server: the same renderer and the same service API as the desktop app, over
 * HTTP on the loopback interface. Calls are `POST /api/call/<operation>` with a JSON body;
 * push events stream from `GET /api/events` as server-sent events. Both need the per-start
 * bearer token.
 */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const token = randomBytes(32).toString('base64url');
  const streams = new Set<ServerResponse>();
  let guard: RequestGuard | null = null;

  function guardRequest(request: IncomingMessage, response: ServerResponse, needsToken: boolean): boolean {
    const verdict = guard!.check(request);
    if (verdict === 'bad-host') {
      refuse(response, 403, { code: 'FORBIDDEN', message: 'This server only answers requests addressed to 127.0.0.1.' });
      return false;
    }
    if (verdict === 'bad-origin') {
      refuse(response, 403, { code: 'FORBIDDEN', message: 'Requests from other origins are refused.' });
      return false;
    }
    if (needsToken && verdict === 'no-token') {
      refuse(response, 401, { code: 'UNAUTHORIZED', message: 'Missing or wrong access token. Open the URL that `sitevault serve` printed.' });
      return false;
    }
    return true;
  }

  async function handleCall(request: IncomingMessage, response: ServerResponse, name: string): Promise<void> {
    if (request.method !== 'POST') {
      refuse(response, 405, { code: 'BAD_REQUEST', message: 'Use POST for API calls.' });
      return;
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      refuse(response, 415, { code: 'BAD_REQUEST', message: 'API calls must send application/json.' });
      return;
    }
    let input: unknown;
    try {
      input = await readJsonBody(request);
    } catch {
      refuse(response, 400, { code: 'BAD_REQUEST', message: 'The request body is not valid JSON (or is over 1 MiB).' });
      return;
    }
    const envelope = await dispatch(options.handlers, name, input, options.onInternalError);
    send(response, 200, envelope);
  }

  function handleEvents(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    streams.add(response);
    const unsubscribe = options.events.subscribe((event) => {
      response.write(`event: ${event.name}\ndata: ${JSON.stringify(event.payload)}\n\n`);
    });
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    request.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(response);
    });
  }

  async function handleDownload(request: IncomingMessage, response: ServerResponse, id: string): Promise<void> {
    const download = request.method === 'GET' && options.openDownload ? await options.openDownload(id) : null;
    if (!download) {
      refuse(response, 404, { code: 'NOT_FOUND', message: 'This download link is unknown, used or expired. Start the download again.' });
      return;
    }
    response.writeHead(200, {
      'content-type': download.contentType,
      'content-disposition': attachmentDisposition(download.fileName),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    await download.stream(response);
  }

  async function handleStatic(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(response, 405, { code: 'BAD_REQUEST', message: 'Method not allowed.' });
      return;
    }
    const file = await resolveStaticFile(options.rendererDir, pathname);
    if (!file) {
      refuse(response, 404, { code: 'NOT_FOUND', message: 'Not found.' });
      return;
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.contentType, 'Content-Length': file.size });
    if (request.method === 'HEAD') response.end();
    else file.open().pipe(response);
  }

  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://placeholder').pathname;
    const isApi = pathname.startsWith('/api/');
    const isDownload = pathname.startsWith('/api/download/');
    if (!guardRequest(request, response, isApi && !isDownload)) return;
    const work = isDownload
      ? handleDownload(request, response, pathname.slice('/api/download/'.length))
      : pathname.startsWith('/api/call/')
        ? handleCall(request, response, pathname.slice('/api/call/'.length))
        : pathname === '/api/events'
          ? Promise.resolve(handleEvents(request, response))
          : isApi
            ? Promise.resolve(refuse(response, 404, { code: 'NOT_FOUND', message: 'Unknown API path.' }))
            : handleStatic(request, response, pathname);
    work.catch((error: unknown) => {
      options.onInternalError?.(error);
      if (!response.headersSent) refuse(response, 500, { code: 'INTERNAL', message: 'Internal error.' });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  guard = createRequestGuard(token, port);

  return {
    port,
    token,
    url: `http://${LOOPBACK}:${port}/#token=${token}`,
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
