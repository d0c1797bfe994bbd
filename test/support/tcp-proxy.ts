import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's own address, `127.0.0.1:<port>`, to put in a URL instead of the service's. */
  readonly hostPort: string;
  /** Cuts every connection and refuses new ones: to its clients the service is unreachable. */
  cut(): void;
  /** Takes connections again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real service (Redis, FerretDB) that a test can cut and restore, or
 * slow down: an outage or a slow network for the processes pointed at the proxy only, while the
 * shared service goes on serving every other test.
 * @param options.latencyMs added to each chunk each way @default 0
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  options: { latencyMs?: number } = {},
): Promise<TcpProxy> {
  const latency = options.latencyMs ?? 0;
  // Each chunk is held `latency` ms each way: a slow network, so every round trip is that slow.
  // Timers of one delay fire in order, so the stream stays in order.
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (latency === 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), latency);
    });
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const cut = () => {
    down = true;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    hostPort: `127.0.0.1:${address.port}`,
    cut,
    restore() {
      down = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.host = proxy.hostPort;
  return parsed.toString();
}
