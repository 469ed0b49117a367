// The shapes of the shop API's answers that the page reads (see GET /api/openapi.json). The live metrics' shape is
// @twofold/http's own (LiveMetrics), imported as a type where it is read.

export type OrderStatus = 'placed' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
export const orderStatuses: readonly OrderStatus[] = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'];

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

// written again, not imported: the JSON form of the shop's FoundOrder (dates as ISO strings, without updatedAt, which
// the page does not read); the page knows the shop by its HTTP answers only
export interface FoundOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string | null;
  readonly customerEmail: string | null;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: readonly OrderLine[];
  readonly placedAt: string;
}

export interface OrderPage {
  readonly items: readonly FoundOrder[];
  readonly nextCursor?: string;
}

export interface OrderDetails {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: readonly OrderLine[];
  readonly customer: { readonly name: string; readonly email: string } | null;
  readonly placedAt: string;
  readonly paidAt: string | null;
  readonly shippedAt: string | null;
  readonly deliveredAt: string | null;
  readonly cancelledAt: string | null;
  readonly cancelReason: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly lastPosition: number;
}

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly merchantId: string;
  readonly available: number;
}

export interface ProductPage {
  readonly items: readonly Product[];
  readonly nextCursor?: string;
}

export interface StreamEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
}

export interface StreamHistory {
  readonly streamId: string;
  readonly version: number;
  readonly events: readonly StreamEvent[];
}

export interface MerchantBalances {
  readonly merchantId: string;
  readonly balances: readonly {
    readonly currency: string;
    readonly chargesCents: number;
    readonly refundsCents: number;
    readonly payoutsCents: number;
    readonly balanceCents: number;
    readonly updatedAt: string;
  }[];
}
