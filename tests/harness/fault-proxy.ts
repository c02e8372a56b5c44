import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** What the proxy does to traffic; changes apply to new bytes at once. */
export interface Faults {
  /** Added to each chunk in each direction (a round trip gains twice this). */
  latencyMs?: number;
  /** Per connection and direction, bytes per second (0 or absent: unlimited). */
  bytesPerSecond?: number;
  /**
   * Cut the connection that carries the Nth byte (counted over both directions and every
   * connection since the faults were set), once: later connections pass.
   */
  cutAfterBytes?: number;
  /** Accept connections but forward nothing, in either direction (a dead route). */
  blackHole?: boolean;
}

export interface FaultProxy {
  port: number;
  setFaults(faults: Faults): void;
  /** Bytes forwarded since the faults were last set, and whether the cut happened. */
  stats(): { bytes: number; connections: number; cut: boolean };
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  server: Socket;
}

/**
 * A loopback TCP proxy in front of one server, for fault injection: latency, bandwidth, a cut
 * after N bytes, a black hole. With `ftp`, passive-mode replies (227 and 229) on the control
 * connection are rewritten to data ports of this proxy, so data connections cross it too.
 */
export async function startFaultProxy(target: { host: string; port: number }, options: { ftp?: boolean } = {}): Promise<FaultProxy> {
  let faults: Faults = {};
  let bytes = 0;
  let connections = 0;
  let cut = false;
  const pipes = new Set<Pipe>();
  const dataServers = new Set<Server>();

  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Forwards one direction chunk by chunk, in order, applying the faults to each chunk. */
  const forward = (from: Socket, to: Socket, pipe: Pipe, rewrite?: (chunk: Buffer) => Promise<Buffer>) => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      from.pause();
      chain = chain.then(async () => {
        while (faults.blackHole) await delay(50);
        const out = rewrite ? await rewrite(chunk) : chunk;
        if (faults.latencyMs) await delay(faults.latencyMs);
        if (faults.bytesPerSecond) await delay((out.length / faults.bytesPerSecond) * 1000);
        const before = bytes;
        bytes += out.length;
        if (!cut && faults.cutAfterBytes !== undefined && before < faults.cutAfterBytes && bytes >= faults.cutAfterBytes) {
          cut = true;
          const keep = faults.cutAfterBytes - before;
          if (keep > 0 && !to.destroyed) to.write(out.subarray(0, keep));
          pipe.client.resetAndDestroy();
          pipe.server.resetAndDestroy();
          return;
        }
        if (!to.destroyed) to.write(out);
        from.resume();
      });
    });
    from.on('end', () => void chain.then(() => to.end()));
    from.on('close', () => void chain.then(() => to.destroy()));
    from.on('error', () => to.destroy());
  };

  /** 227 (h1,h2,h3,h4,p1,p2) and 229 (|||port|): the server's data port becomes one of ours. */
  const rewritePassive = async (chunk: Buffer): Promise<Buffer> => {
    const text = chunk.toString('latin1');
    const pasv = /^227 ([^(]*)\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/m.exec(text);
    if (pasv) {
      const port = await dataPort(`${pasv[2]}.${pasv[3]}.${pasv[4]}.${pasv[5]}`, Number(pasv[6]) * 256 + Number(pasv[7]));
      return Buffer.from(text.replace(pasv[0], `227 ${pasv[1]}(127,0,0,1,${port >> 8},${port & 255})`), 'latin1');
    }
    const epsv = /^229 ([^(]*)\(\|\|\|(\d+)\|\)/m.exec(text);
    if (epsv) {
      const port = await dataPort(target.host, Number(epsv[2]));
      return Buffer.from(text.replace(epsv[0], `229 ${epsv[1]}(|||${port}|)`), 'latin1');
    }
    return chunk;
  };

  /** A one-shot listener that forwards the next connection to the server's data port. */
  const dataPort = async (host: string, port: number): Promise<number> => {
    const server = createServer((client) => {
      server.close();
      dataServers.delete(server);
      connect(client, { host, port }, false);
    });
    dataServers.add(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  const connect = (client: Socket, to: { host: string; port: number }, control: boolean) => {
    connections++;
    const server = new Socket();
    const pipe: Pipe = { client, server };
    pipes.add(pipe);
    client.on('close', () => pipes.delete(pipe));
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    forward(client, server, pipe);
    forward(server, client, pipe, control && options.ftp ? rewritePassive : undefined);
    server.connect(to.port, to.host);
  };

  const listener = createServer((client) => connect(client, target, true));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));

  return {
    port: (listener.address() as AddressInfo).port,
    setFaults(next) {
      faults = { ...next };
      bytes = 0;
      connections = 0;
      cut = false;
    },
    stats: () => ({ bytes, connections, cut }),
    async close() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.server.destroy();
      }
      for (const server of dataServers) server.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
