// What an order costs the machine, split into what each projector batch costs whatever it holds and what each order
// adds: a least-squares line through (batches per order, projector CPU per order) measured at several gathering windows.

/** One window's figures: how many batches the projector committed per order placed, and its CPU per order (ms). */
export interface OrderCostPoint {
  readonly batchesPerOrder: number;
  readonly projectorMsPerOrder: number;
}

/** projector ms per order = perBatchMs × batches per order + perOrderMs */
export interface BatchCostFit {
  /** CPU a batch costs whatever it holds (its statements, round trips, transaction). */
  readonly perBatchMs: number;
  /** CPU each order adds to a batch. */
  readonly perOrderMs: number;
}

/** ms of CPU per order of a part that kept `cores` busy over `windowMs` while `orders` were placed. */
export const msPerOrder = (cores: number, windowMs: number, orders: number): number | undefined => (orders > 0 ? (cores * windowMs) / orders : undefined);

/**
 * The least-squares line through the points (undefined unless at least two distinct batch rates were measured: a
 * line needs two). The figures are measured, so a point may sit off the line; the fit says what the points say.
 */
export function fitBatchCost(points: readonly OrderCostPoint[]): BatchCostFit | undefined {
  const usable = points.filter((p) => Number.isFinite(p.batchesPerOrder) && Number.isFinite(p.projectorMsPerOrder));
  if (new Set(usable.map((p) => p.batchesPerOrder)).size < 2) return undefined;
  const n = usable.length;
  const meanX = usable.reduce((sum, p) => sum + p.batchesPerOrder, 0) / n;
  const meanY = usable.reduce((sum, p) => sum + p.projectorMsPerOrder, 0) / n;
  const covariance = usable.reduce((sum, p) => sum + (p.batchesPerOrder - meanX) * (p.projectorMsPerOrder - meanY), 0);
  const variance = usable.reduce((sum, p) => sum + (p.batchesPerOrder - meanX) ** 2, 0);
  const perBatchMs = covariance / variance;
  return { perBatchMs, perOrderMs: meanY - perBatchMs * meanX };
}
