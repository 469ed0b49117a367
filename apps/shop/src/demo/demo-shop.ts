// The demo shop's data, as plain values: a catalog across merchants and currencies, and what happens to each order.
import type { AddProduct, OrderStatus } from '../domain/index.js';
import { seededRandom, type Random } from './seeded-random.js';

export type DemoProduct = AddProduct['data'];

export interface DemoOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly customer: { readonly name: string; readonly email: string };
  readonly currency: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
  readonly totalCents: number;
  /** The steps after placing, in order: the order ends in the status of the last one (placed when none). */
  readonly then: readonly ('pay' | 'ship' | 'deliver' | 'cancel')[];
}

const merchants = [
  { merchantId: 'm-north', currencies: ['EUR', 'GBP'] },
  { merchantId: 'm-west', currencies: ['USD'] },
  { merchantId: 'm-east', currencies: ['EUR', 'USD'] },
] as const;

const categories = {
  kitchen: ['Kettle', 'Teapot', 'Chef knife', 'Cutting board', 'Espresso cups', 'Cast iron pan'],
  garden: ['Watering can', 'Pruning shears', 'Seed tray', 'Garden gloves', 'Trowel'],
  books: ['Field guide', 'Cookbook', 'Atlas', 'Poetry collection', 'Sketchbook'],
  outdoor: ['Rain jacket', 'Trail bottle', 'Headlamp', 'Camp stool'],
} as const;

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis', 'Radia', 'John', 'Hedy', 'Tim', 'Sophie', 'Linus'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Backus', 'Lamarr', 'Lee', 'Wilson', 'Torvalds'];

/** A few dozen products: every category's items, each from one merchant in one of its currencies. */
export function demoCatalog(): DemoProduct[] {
  // the catalog does not depend on the seed value: orders of any seed value may buy any product
  const random = seededRandom('twofold-demo-catalog');
  const products: DemoProduct[] = [];
  for (const [category, names] of Object.entries(categories)) {
    for (const name of names) {
      for (const merchant of merchants) {
        if (random.next() < 0.35) continue;
        const currency = random.pick(merchant.currencies);
        const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
        products.push({
          sku: `${merchant.merchantId.slice(2)}-${slug}`,
          name,
          description: `${name} from ${merchant.merchantId}, a demo ${category} product`,
          category,
          priceCents: random.integer(3, 120) * 100 + random.pick([0, 50, 95, 99]),
          currency,
          merchantId: merchant.merchantId,
          stock: random.integer(200, 2_000),
        });
      }
    }
  }
  return products;
}

/** Statuses the demo ends orders in, with weights: every status appears in a few hundred orders. */
const endings: readonly [DemoOrder['then'], number][] = [
  [[], 20],
  [['pay'], 20],
  [['pay', 'ship'], 20],
  [['pay', 'ship', 'deliver'], 30],
  [['cancel'], 5],
  [['pay', 'cancel'], 5],
];

function pickEnding(random: Random): DemoOrder['then'] {
  const total = endings.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [steps, weight] of endings) {
    roll -= weight;
    if (roll < 0) return steps;
  }
  return [];
}

/**
 * Order `index` of a seed value: its id, customer, lines and fate depend only on (seedValue, index), so a run that
 * stopped half-way is finished by running it again, and two runs of one seed value make the same orders.
 */
export function demoOrder(catalog: readonly DemoProduct[], seedValue: string, index: number): DemoOrder {
  const random = seededRandom(`${seedValue}/${index}`);
  const currencies = [...new Set(catalog.map((p) => p.currency))].sort();
  const currency = random.pick(currencies);
  const choices = catalog.filter((p) => p.currency === currency);
  const lineCount = random.integer(1, Math.min(3, choices.length));
  const lines = new Map<string, number>();
  while (lines.size < lineCount) lines.set(random.pick(choices).sku, random.integer(1, 3));
  const totalCents = [...lines].reduce((sum, [sku, quantity]) => sum + (choices.find((p) => p.sku === sku)?.priceCents ?? 0) * quantity, 0);
  const customerNumber = random.integer(1, 120);
  const first = firstNames[customerNumber % firstNames.length] as string;
  const last = lastNames[Math.floor(customerNumber / firstNames.length) % lastNames.length] as string;
  return {
    orderId: `demo-${seedValue}-${String(index).padStart(6, '0')}`,
    customerId: `cust-${String(customerNumber).padStart(3, '0')}`,
    customer: { name: `${first} ${last}`, email: `${first}.${last}${customerNumber}@example.com`.toLowerCase() },
    currency,
    lines: [...lines].map(([sku, quantity]) => ({ sku, quantity })),
    totalCents,
    then: pickEnding(random),
  };
}

/** The status an order ends in. */
export const finalStatus = (order: DemoOrder): OrderStatus => {
  const last = order.then.at(-1);
  return last === undefined ? 'placed' : ({ pay: 'paid', ship: 'shipped', deliver: 'delivered', cancel: 'cancelled' } as const)[last];
};
