import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The Redis URL that reaches the target through this proxy. */
  url: string;
  /** Drops every connection and stops listening: to its clients, Redis has gone away. */
  cut(): Promise<void>;
  /** Listens again on the same port: Redis is back, and its clients reconnect. */
  restore(): Promise<void>;
  /**
   * Stops forwarding in either direction but keeps every connection open: to its clients, Redis
   * has stalled (a full disk, a long script, a network that drops without a reset).
   */
  stall(): void;
}

/**
 * A plain TCP relay in front of a real Redis. Connections opened through it work as usual until
 * `cut()`, which is how a test makes Redis go away for some connections of a process (and not
 * for the test's own), without mocking anything.
 */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const upstreams = new Map<Socket, Socket>();
  let server = relay();
  function relay() {
    return createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      track(client);
      track(upstream);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
      upstreams.set(client, upstream);
      client.on('close', () => upstreams.delete(client));
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    stall() {
      for (const [client, upstream] of upstreams) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async restore() {
      server = relay();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, '127.0.0.1', () => resolve());
      });
    },
  };
}
