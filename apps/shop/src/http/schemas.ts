// Request schemas of the shop's HTTP API: the single source of validation and of the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox';

const id = (description: string) => Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$', description });
const text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength });
const cents = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000_000_00, description });

export const Sku = id('stock keeping unit: letters, digits, . _ : -');
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });

export const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
export const OrderParams = Type.Object({ id: id('order id') }, { additionalProperties: false });

export const AddProductBody = Type.Object(
  {
    sku: Sku,
    name: text(200),
    description: text(4_000, 0),
    category: text(100),
    priceCents: cents('unit price in minor units'),
    currency: Currency,
    merchantId: id('merchant id'),
    stock: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  },
  { additionalProperties: false },
);
export type AddProductBody = Static<typeof AddProductBody>;

export const RestockBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 10_000_000 }) }, { additionalProperties: false });
export type RestockBody = Static<typeof RestockBody>;

export const PlaceOrderBody = Type.Object(
  {
    orderId: Type.Optional(id('order id; generated when absent')),
    customerId: id('customer id'),
    currency: Currency,
    lines: Type.Array(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 100,
    }),
    customer: Type.Optional(
      Type.Object({ name: text(200), email: Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }) }, { additionalProperties: false }),
    ),
    shippingAddress: Type.Optional(
      Type.Object(
        { line1: text(200), line2: Type.Optional(text(200, 0)), city: text(100), region: Type.Optional(text(100)), postalCode: text(20), country: Type.String({ pattern: '^[A-Z]{2}$' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const PayOrderBody = Type.Object({ amountCents: cents('must equal the order total'), paymentRef: text(128) }, { additionalProperties: false });
export type PayOrderBody = Static<typeof PayOrderBody>;

export const ShipOrderBody = Type.Object({ carrier: text(100), trackingNumber: text(100) }, { additionalProperties: false });
export type ShipOrderBody = Static<typeof ShipOrderBody>;

export const DeliverOrderBody = Type.Object({}, { additionalProperties: false });

export const CancelOrderBody = Type.Object({ reason: text(500) }, { additionalProperties: false });
export type CancelOrderBody = Static<typeof CancelOrderBody>;

export const ProductSearchQuery = Type.Object(
  {
    q: Type.Optional(text(200, 0)),
    category: Type.Optional(text(100)),
    minPriceCents: Type.Optional(Type.Integer({ minimum: 0 })),
    maxPriceCents: Type.Optional(Type.Integer({ minimum: 0 })),
    inStock: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(text(200)),
  },
  { additionalProperties: false },
);
export type ProductSearchQuery = Static<typeof ProductSearchQuery>;
