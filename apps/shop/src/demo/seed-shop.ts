// Seeds the demo shop through the command path (the handlers the HTTP routes run): products, then orders in every status.
import { CommandRejected, IllegalTransition, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { addProduct, cancelOrder, deliverOrder, payOrder, placeOrder, restockProduct, shipOrder } from '../domain/index.js';
import { demoCatalog, demoOrder, type DemoOrder } from './demo-shop.js';

export interface SeedOptions {
  /** How many orders (default 300). */
  readonly orders?: number;
  /** Same value, same data (default `demo`). */
  readonly seedValue?: string;
  /** Orders in flight at once, so the command processor decides them in batches (default 16). */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked between orders: true stops the seeding (the rest is done by running it again). */
  readonly stopped?: () => boolean;
  readonly now?: () => Date;
}

export interface SeedResult {
  readonly products: number;
  /** Orders this run placed; those that existed already are counted in `existing`. */
  readonly placed: number;
  readonly existing: number;
}

/** Runs one command; an IllegalTransition means a previous run already took this step (the plan is fixed per order). */
async function once(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (error) {
    if (error instanceof IllegalTransition) return false;
    throw error;
  }
}

/**
 * Idempotent: every product and order has a fixed id and fate, and a step a previous run took is skipped, so running
 * it again after an interruption completes the data without duplicates.
 */
export async function seedShop(commands: CommandProcessor, options: SeedOptions = {}): Promise<SeedResult> {
  const { orders = 300, seedValue = 'demo', concurrency = 16, onProgress, stopped = () => false, now = () => new Date() } = options;
  if (!Number.isInteger(orders) || orders < 0) throw new RangeError('orders must be a non-negative integer');
  let sequence = 0;
  const metadata = (what: string): CommandMetadata => ({ now: now(), correlationId: `seed-${seedValue}-${what}-${(sequence += 1)}`, actor: 'seed' });

  const catalog = demoCatalog();
  for (const product of catalog) await once(() => addProduct(commands, product, metadata(product.sku)));

  const place = async (order: DemoOrder): Promise<boolean> => {
    const input = { orderId: order.orderId, customerId: order.customerId, customer: order.customer, currency: order.currency, lines: order.lines };
    try {
      return await once(() => placeOrder(commands, input, metadata(order.orderId)));
    } catch (error) {
      if (!(error instanceof CommandRejected) || error.code !== 'insufficient_stock') throw error;
      // a long seed sells out the catalog: restock what ran out, as a shop would, and place it again
      const { sku } = error.details as { sku: string };
      await restockProduct(commands, { sku, quantity: 2_000 }, metadata(`restock-${sku}`));
      return place(order);
    }
  };
  const run = async (order: DemoOrder): Promise<boolean> => {
    const placedNow = await place(order);
    for (const step of order.then) {
      const at = metadata(`${order.orderId}-${step}`);
      if (step === 'pay') await once(() => payOrder(commands, { orderId: order.orderId, amountCents: order.totalCents, paymentRef: `pay-${order.orderId}` }, at));
      if (step === 'ship') await once(() => shipOrder(commands, { orderId: order.orderId, carrier: 'DemoPost', trackingNumber: `DP${order.orderId.replace(/\D/g, '')}` }, at));
      if (step === 'deliver') await once(() => deliverOrder(commands, { orderId: order.orderId }, at));
      if (step === 'cancel') await once(() => cancelOrder(commands, order.orderId, 'changed my mind (demo)', at));
    }
    return placedNow;
  };

  let next = 0;
  let done = 0;
  let placed = 0;
  const worker = async (): Promise<void> => {
    while (next < orders && !stopped()) {
      const index = next;
      next += 1;
      if (await run(demoOrder(catalog, seedValue, index))) placed += 1;
      done += 1;
      onProgress?.(done, orders);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, orders)) }, worker));
  return { products: catalog.length, placed, existing: done - placed };
}
