// Test fixture: a TCP proxy in front of PostgreSQL that can cut a connection right after the server answered a chosen statement.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CutPlan {
  /** Text the client sends (a statement or the name of a prepared one) that picks the connection to cut. */
  readonly after: string;
  /** When given, the cut waits for this text on the same connection (e.g. the COMMIT of the transaction). */
  readonly then?: string;
  /** Cut before the statement reaches the server (it never runs), instead of after its answer. */
  readonly beforeSending?: boolean;
}

export interface CuttingProxy {
  /** The database URL through the proxy. */
  readonly url: string;
  /** Arms one cut: the server's answer to the statement is dropped and both sides of that connection are closed. */
  cutAfter(plan: CutPlan): Promise<void>;
  /** Closes every connection and refuses new ones (the database is unreachable), or lets them in again. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const targetUrl = new URL(target);
  const sockets = new Set<Socket>();
  let plan: (CutPlan & { done: () => void }) | undefined;
  let down = false;

  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(Number(targetUrl.port || 5432), targetUrl.hostname);
    sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    // 'idle' → 'picked' (saw plan.after; waits for plan.then) → 'cutting' (the server's next answer is dropped)
    let stage: 'idle' | 'picked' | 'cutting' = 'idle';
    let then: string | undefined;
    let cut: (() => void) | undefined;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (stage === 'picked' && text.includes(then!)) stage = 'cutting';
      if (stage === 'idle' && plan !== undefined && text.includes(plan.after)) {
        const picked = plan;
        plan = undefined;
        if (picked.beforeSending === true) {
          close();
          picked.done();
          return;
        }
        ({ then, done: cut } = picked);
        stage = then === undefined ? 'cutting' : 'picked';
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stage === 'cutting') {
        // the statement ran on the server; its answer never reaches the client
        close();
        cut?.();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    cutAfter(next) {
      return new Promise<void>((resolve) => {
        plan = { ...next, done: resolve };
      });
    },
    setDown(value) {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
