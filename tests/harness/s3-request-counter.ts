import { readFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { S3dInfo } from './s3d';

/** What an S3 provider bills: requests by kind (LIST is a GET on the bucket with list-type). */
export type S3RequestKind = 'LIST' | 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'OTHER';
export type S3RequestCounts = Partial<Record<S3RequestKind, number>>;

export interface S3RequestCounter {
  /** `https://127.0.0.1:PORT`, with the test server's certificate (the same CA file works). */
  endpoint: string;
  /** Requests since the last reset, by kind, and their total. */
  counts(): S3RequestCounts & { total: number };
  reset(): void;
  close(): Promise<void>;
}

function kindOf(method: string, url: string): S3RequestKind {
  const query = new URL(url, 'https://x').searchParams;
  if (method === 'GET' && (query.has('list-type') || query.has('prefix') || query.has('delimiter'))) return 'LIST';
  return (['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const).find((m) => m === method) ?? 'OTHER';
}

/**
 * An HTTPS reverse proxy in front of the harness's S3 server that counts every request any
 * client sends (SiteVault, restic), whatever its SDK does inside. Requests pass unchanged,
 * Host header included, so their SigV4 signatures (made for the proxy's address) still verify.
 */
export async function startS3RequestCounter(s3d: S3dInfo): Promise<S3RequestCounter> {
  const upstream = new URL(s3d.endpoint);
  const ca = await readFile(s3d.caFile);
  const agent = new Agent({ keepAlive: true, ca });
  let counts: S3RequestCounts = {};
  const server: Server = createServer({ key: await readFile(s3d.keyFile), cert: ca }, (incoming, outgoing) => {
    const kind = kindOf(incoming.method ?? 'OTHER', incoming.url ?? '/');
    counts[kind] = (counts[kind] ?? 0) + 1;
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts, total: Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0) }),
    reset: () => {
      counts = {};
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
