// The data an order is placed with: lines, customer and address, shared by the order decider, its validation and placing it.

/** A line priced from the product's state when the order was placed. */
export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly merchantId: string;
}

export interface Customer {
  readonly name: string;
  readonly email: string;
}

export interface ShippingAddress {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  readonly country: string;
}

export interface PlaceOrderData {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly OrderLine[];
  readonly customer?: Customer;
  readonly shippingAddress?: ShippingAddress;
}
