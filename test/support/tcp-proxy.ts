import { type AddressInfo, createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a shared server (Redis, PostgreSQL), owned by one test: it can
 * drop every connection and refuse new ones for a while (an outage of that server as the app sees
 * it), without touching the server other specs use.
 */
export interface TcpProxy {
  /** `host:port` to give the app instead of the server's. */
  address: string;
  /** Connections open through the proxy now. */
  open(): number;
  /** Holds every byte in both directions (and new connections) until `resume`: a stall, nothing lost. */
  pause(): void;
  resume(): void;
  /**
   * Connections go silent, as after a failover or a lost NAT entry: the open ones swallow every byte
   * from now on and are never closed (no reset reaches the app), new ones are refused until `restore`.
   */
  silence(): void;
  /**
   * A network partition: as `silence`, and a side that closes its connection is not told to the
   * other either (no FIN crosses), so the server keeps the app's sessions open as it would behind a
   * dead link, until `close`.
   */
  partition(): void;
  /** Drops every connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let paused = false;
  /** Bytes held while paused, per destination, in order. */
  const held = new Map<Socket, Buffer[]>();
  const silent = new Set<Socket>();
  const partitioned = new Set<[Socket, Socket]>();
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (silent.has(to)) return;
      if (!paused) to.write(chunk);
      else held.set(to, [...(held.get(to) ?? []), chunk]);
    });
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      if (partitioned.has(pair)) return; // the other side hears nothing; close() ends both
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    open: () => pairs.size,
    pause: () => {
      paused = true;
    },
    silence: () => {
      down = true;
      for (const [client, upstream] of pairs) {
        silent.add(client);
        silent.add(upstream);
      }
    },
    partition: () => {
      down = true;
      for (const pair of pairs) {
        partitioned.add(pair);
        silent.add(pair[0]);
        silent.add(pair[1]);
      }
    },
    resume: () => {
      paused = false;
      for (const [to, chunks] of held) if (!to.destroyed) for (const chunk of chunks) to.write(chunk);
      held.clear();
    },
    cut: () => {
      down = true;
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    restore: () => {
      down = false;
    },
    close: async () => {
      down = true;
      partitioned.clear();
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
