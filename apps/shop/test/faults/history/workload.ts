// A randomized workload against a shop server process: concurrent commands (place, pay, cancel, restock, payout) and
// reads carrying consistency tokens, with the server SIGKILLed and restarted on the same database at random moments.
// Every operation is recorded (request, response, token, time) for the history checker.
import { spawnShop, type ShopProcess } from '../../spawn-shop.js';

export type OperationKind = 'add' | 'place' | 'pay' | 'cancel' | 'restock' | 'payout' | 'read-order' | 'read-balances';

/**
 * One operation as a client saw it. `outcome`: `ok` (2xx), `refused` (a 4xx: the command changed nothing), `failed`
 * (a 5xx) or `unknown` (no answer: the server died or the connection broke; the command may or may not have happened).
 */
export interface Operation {
  readonly seq: number;
  readonly kind: OperationKind;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: unknown;
  /** Commands: the X-Correlation-Id sent, which every event the command writes carries as metadata.correlationId. */
  readonly correlationId: string;
  /** Reads: the X-Min-Position sent. */
  readonly token: number | undefined;
  /** Reads: the stream whose write the token came from, and that write's correlation id. */
  readonly tokenOf: { readonly streamId: string; readonly correlationId: string } | undefined;
  readonly startedAt: number;
  endedAt: number;
  status: number | undefined;
  headers: Record<string, string>;
  response: unknown;
  outcome: 'ok' | 'refused' | 'failed' | 'unknown';
  error: string | undefined;
}

export interface WorkloadOptions {
  /** `postgres://…` of a database of the run's own. */
  readonly store: string;
  readonly operations: number;
  /** SIGKILLs of the server (with its projector, unless that runs apart). */
  readonly kills: number;
  /** When above 0, the projector runs in a process of its own (`--role projector`), SIGKILLed this many times. */
  readonly projectorKills?: number;
  readonly concurrency?: number;
  readonly products?: number;
  readonly merchants?: number;
  /** Deterministic choices from this seed (timing still varies). */
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface History {
  readonly operations: readonly Operation[];
  readonly kills: number;
  readonly projectorKills: number;
  readonly seed: number;
  readonly products: readonly { readonly sku: string; readonly priceCents: number; readonly merchantId: string; readonly stock: number }[];
  /** How long each restart took, from the kill to the new process serving. */
  readonly restartMs: readonly number[];
  /** The server process running when the workload ended (the checker reads through it), and the projector's if apart. */
  readonly server: ShopProcess;
  readonly projector: ShopProcess | undefined;
  /** What every server process of the run wrote (killed ones too), for explaining an anomaly. */
  serverOutput(): string;
  /** Kills both. */
  stop(): Promise<void>;
}

/** The part of an answer the checker reads: the token of a command, the state a read showed, the error of a refusal. */
function essentials(kind: OperationKind, body: any): unknown {
  if (body === undefined || body === null || typeof body !== 'object') return body;
  if ('error' in body) return { error: { code: body.error?.code } };
  if (kind === 'read-order') return { status: body.status, lastPosition: body.lastPosition };
  if (kind === 'read-balances') return { balances: body.balances };
  return { position: body.position, streamVersion: body.streamVersion };
}

/** mulberry32: small, seedable, good enough to pick operations. */
function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface KnownOrder {
  readonly orderId: string;
  readonly totalCents: number;
  readonly merchants: readonly string[];
  /** The last acknowledged write to the order, to read it back with its token. */
  lastWrite: { position: number; correlationId: string };
}

export async function runWorkload(options: WorkloadOptions): Promise<History> {
  const { store, operations: total, kills, projectorKills = 0, concurrency = 8, products: productCount = 5, merchants: merchantCount = 2, seed = Date.now() % 2 ** 31, log = () => undefined } = options;
  const random = randomFrom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const run = `h${seed.toString(36)}`;
  const products = Array.from({ length: productCount }, (_, i) => ({ sku: `${run}-p${i}`, priceCents: 100 * (i + 1), merchantId: `${run}-m${i % merchantCount}`, stock: 20 }));
  const merchants = [...new Set(products.map((p) => p.merchantId))];
  const orders: KnownOrder[] = [];
  const merchantWrites = new Map<string, { position: number; correlationId: string }>();
  const history: Operation[] = [];
  const restartMs: number[] = [];

  const apart = projectorKills > 0;
  const startServer = () => spawnShop(['--store', store, ...(apart ? ['--role', 'command,query'] : [])]);
  const startProjector = () => spawnShop(['--store', store, '--role', 'projector']);
  let server = await startServer();
  const killedOutput: string[] = [];
  let projector = apart ? await startProjector() : undefined;
  let serving: Promise<ShopProcess> = Promise.resolve(server);

  async function send(kind: OperationKind, method: 'GET' | 'POST', path: string, body: unknown, tokenOf?: { position: number; correlationId: string; streamId: string }): Promise<Operation> {
    const op: Operation = {
      seq: history.length,
      kind,
      method,
      path,
      body,
      correlationId: `${run}-${history.length}`,
      token: tokenOf?.position,
      tokenOf: tokenOf === undefined ? undefined : { streamId: tokenOf.streamId, correlationId: tokenOf.correlationId },
      startedAt: Date.now(),
      endedAt: 0,
      status: undefined,
      headers: {},
      response: undefined,
      outcome: 'unknown',
      error: undefined,
    };
    history.push(op);
    const { url } = await serving;
    const headers: Record<string, string> = { 'x-correlation-id': op.correlationId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (tokenOf !== undefined) Object.assign(headers, { 'x-min-position': String(tokenOf.position), 'x-wait-ms': '5000' });
    try {
      const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(20_000) });
      const text = await response.text();
      op.status = response.status;
      // only what the checker reads, so that a history of a million operations fits in memory
      op.headers = Object.fromEntries(['x-consistency', 'x-projection-position'].flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
      op.response = essentials(kind, text === '' ? undefined : JSON.parse(text));
      op.outcome = response.status < 300 ? 'ok' : response.status < 500 ? 'refused' : 'failed';
    } catch (error) {
      op.error = error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    op.endedAt = Date.now();
    return op;
  }

  const positionOf = (op: Operation): number | undefined => (op.outcome === 'ok' && op.response !== undefined ? (op.response as { position: number }).position : undefined);

  async function step(): Promise<void> {
    const dice = random();
    if (dice < 0.3 || orders.length === 0) {
      const skus = [...new Set(Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(products)))];
      const lines = skus.map((p) => ({ sku: p.sku, quantity: 1 + Math.floor(random() * 3) }));
      const orderId = `${run}-o${history.length}`;
      const op = await send('place', 'POST', '/api/orders', { orderId, customerId: `${run}-c${Math.floor(random() * 5)}`, currency: 'EUR', lines });
      const position = positionOf(op);
      if (position !== undefined) {
        const totalCents = lines.reduce((sum, line) => sum + line.quantity * products.find((p) => p.sku === line.sku)!.priceCents, 0);
        orders.push({ orderId, totalCents, merchants: [...new Set(skus.map((p) => p.merchantId))], lastWrite: { position, correlationId: op.correlationId } });
      }
    } else if (dice < 0.5) {
      const order = pick(orders);
      // now and then the wrong amount, which must be refused and change nothing
      const amountCents = random() < 0.9 ? order.totalCents : order.totalCents + 1;
      const op = await send('pay', 'POST', `/api/orders/${order.orderId}/pay`, { amountCents, paymentRef: `ref-${history.length}` });
      written(order, op);
    } else if (dice < 0.6) {
      const order = pick(orders);
      const op = await send('cancel', 'POST', `/api/orders/${order.orderId}/cancel`, { reason: 'changed my mind' });
      written(order, op);
    } else if (dice < 0.7) {
      const product = pick(products);
      await send('restock', 'POST', `/api/products/${product.sku}/restock`, { quantity: 1 + Math.floor(random() * 5) });
    } else if (dice < 0.78) {
      const merchantId = pick(merchants);
      const op = await send('payout', 'POST', `/api/merchants/${merchantId}/payouts`, { currency: 'EUR', amountCents: 1 + Math.floor(random() * 1_500), payoutId: `${run}-po${history.length}` });
      const position = positionOf(op);
      if (position !== undefined) merchantWrites.set(merchantId, { position, correlationId: op.correlationId });
    } else if (dice < 0.92) {
      const order = pick(orders);
      await send('read-order', 'GET', `/api/orders/${order.orderId}`, undefined, { ...order.lastWrite, streamId: `order-${order.orderId}` });
    } else {
      const merchantId = pick(merchants);
      const write = merchantWrites.get(merchantId);
      await send('read-balances', 'GET', `/api/merchants/${merchantId}/balances`, undefined, write === undefined ? undefined : { ...write, streamId: `merchant-${merchantId}` });
    }
  }

  function written(order: KnownOrder, op: Operation): void {
    const position = positionOf(op);
    if (position === undefined) return;
    order.lastWrite = { position, correlationId: op.correlationId };
    for (const merchantId of order.merchants) merchantWrites.set(merchantId, { position, correlationId: op.correlationId });
  }

  async function killAndRestart(): Promise<void> {
    const killedAt = Date.now();
    let restarted!: (process: ShopProcess) => void;
    serving = new Promise((resolve) => (restarted = resolve));
    await server.kill('SIGKILL');
    killedOutput.push(server.output());
    log(`killed the server after ${history.length} operations`);
    server = await startServer();
    restartMs.push(Date.now() - killedAt);
    restarted(server);
  }

  async function killProjector(): Promise<void> {
    await projector!.kill('SIGKILL');
    log(`killed the projector after ${history.length} operations`);
    // a crashed projector is restarted by its supervisor after a moment; reads meanwhile wait or answer stale
    await new Promise((r) => setTimeout(r, 200 + random() * 800));
    projector = await startProjector();
  }

  try {
    for (const product of products) {
      const op = await send('add', 'POST', '/api/products', { sku: product.sku, name: `Product ${product.sku}`, description: '', category: 'history', priceCents: product.priceCents, currency: 'EUR', merchantId: product.merchantId, stock: product.stock });
      if (op.outcome !== 'ok') throw new Error(`could not add ${product.sku}: ${op.status} ${JSON.stringify(op.response)} ${op.error ?? ''}`);
    }
    // kills at random moments, spread over the run: each after a random share of its slice of the operations
    const killAt = Array.from({ length: kills }, (_, i) => Math.floor(((i + 0.2 + 0.6 * random()) * total) / kills));
    const projectorKillAt = Array.from({ length: projectorKills }, (_, i) => Math.floor(((i + 0.1 + 0.8 * random()) * total) / projectorKills));
    let issued = 0;
    let killing: Promise<void> = Promise.resolve();
    const worker = async (): Promise<void> => {
      while (issued < total) {
        issued++;
        if (killAt.includes(issued)) killing = killing.then(() => new Promise((r) => setTimeout(r, random() * 100))).then(killAndRestart);
        if (projectorKillAt.includes(issued)) killing = killing.then(killProjector);
        await step();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await killing;
    const stop = async () => {
      await server.kill('SIGKILL');
      await projector?.kill('SIGKILL');
    };
    const serverOutput = (): string => [...killedOutput, server.output()].join('\n');
    return { operations: history, kills, projectorKills, seed, products, restartMs, server, projector, serverOutput, stop };
  } catch (error) {
    await server.kill('SIGKILL');
    await projector?.kill('SIGKILL');
    throw error;
  }
}
