// A TCP proxy for fault tests: sits between the app and a shared service (PostgreSQL, Redis, NATS) so that a test can
// cut the link without disturbing the service other tests use.
import net from 'node:net';

export interface TcpProxy {
  /** Where to connect instead of the target. */
  readonly port: number;
  /** Drops every connection and refuses new ones for `ms`; resolves when the link is back. */
  cut(ms: number): Promise<void>;
  /** Connections accepted so far (dropped ones included). */
  readonly accepted: () => number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let refusing = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    accepted: () => accepted,
    async cut(ms) {
      refusing = true;
      // a reset, as a broken network or a crashed server leaves it: the client learns at its next read or write
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
      await new Promise((r) => setTimeout(r, ms));
      refusing = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same URL pointed at the proxy. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}
