// The events the benchmarks write: 300 bytes of JSON data each, like the anchors' measurements.

export const eventDataBytes = 300;

const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(10);

/** Event data whose JSON is exactly 300 bytes (for `sequence` below 10^12). */
export function eventData(sequence: number): Record<string, unknown> {
  const data = {
    orderId: `o-${sequence}`,
    customerId: `c-${sequence % 10_000}`,
    sku: `sku-${sequence % 1_000}`,
    quantity: 1 + (sequence % 5),
    unitPriceCents: 1_000 + (sequence % 9_000),
    note: '',
  };
  const missing = eventDataBytes - JSON.stringify(data).length;
  return { ...data, note: filler.slice(0, Math.max(0, missing)) };
}
