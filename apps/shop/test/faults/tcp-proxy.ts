// A TCP proxy for fault tests: sits between the app and a shared service (PostgreSQL, Redis, NATS) so that a test can
// cut the link without disturbing the service other tests use.
import net from 'node:net';

export interface TcpProxy {
  /** Where to connect instead of the target. */
  readonly port: number;
  /**
   * Cuts the link for `ms`; resolves when it is back. `reset` (default): every connection is reset and new ones are
   * refused, as when the server crashed. `silent`: nothing passes either way and new connections hang, as in a network
   * partition; when it heals, what was held back is delivered (TCP retransmits) and the held connections go through.
   */
  cut(ms: number, mode?: 'reset' | 'silent'): Promise<void>;
  /** Cuts the link as `cut` does, until `heal()`: for a test that acts while the link is down. */
  sever(mode?: 'reset' | 'silent'): void;
  heal(): void;
  /** Connections accepted so far (dropped ones included). */
  readonly accepted: () => number;
  close(): Promise<void>;
}

interface Link {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let refusing = false;
  let silent = false;
  let accepted = 0;
  const end = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };
  const flow = (link: Link) => {
    link.client.pipe(link.upstream!);
    link.upstream!.pipe(link.client);
  };
  const hold = (link: Link) => {
    // unpiped and paused: what arrives stays in the kernel's buffers, as unacknowledged segments would
    link.client.unpipe();
    link.upstream?.unpipe();
    link.client.pause();
    link.upstream?.pause();
  };
  const connect = (link: Link) => {
    link.upstream = net.connect(target.port, target.host);
    link.upstream.on('error', () => end(link)).on('close', () => end(link));
    flow(link);
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const link: Link = { client, upstream: undefined };
    links.add(link);
    client.on('error', () => end(link)).on('close', () => end(link));
    if (silent) client.pause();
    else connect(link);
  });
  const sever = (mode: 'reset' | 'silent' = 'reset'): void => {
    if (mode === 'silent') {
      silent = true;
      for (const link of links) hold(link);
      return;
    }
    refusing = true;
    // a reset, as a broken network or a crashed server leaves it: the client learns at its next read or write
    for (const link of links) {
      link.client.resetAndDestroy();
      link.upstream?.resetAndDestroy();
    }
    links.clear();
  };
  const heal = (): void => {
    refusing = false;
    if (!silent) return;
    silent = false;
    for (const link of links) {
      if (link.upstream === undefined) connect(link);
      else flow(link);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    accepted: () => accepted,
    async cut(ms, mode = 'reset') {
      sever(mode);
      await new Promise((r) => setTimeout(r, ms));
      heal();
    },
    sever,
    heal,
    async close() {
      for (const link of links) end(link);
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
