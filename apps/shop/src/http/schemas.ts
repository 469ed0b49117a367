// Request schemas of the shop's HTTP API: the single source of validation and of the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox';
import { countryPattern, currencyPattern, emailPattern, identifierPattern, limits, nonBlankTextPattern, storableTextPattern } from '../domain/limits.js';

// every bound comes from the domain's limits: the schema and the domain's guards cannot disagree
const id = (description: string) => Type.String({ minLength: 1, maxLength: limits.idLength, pattern: identifierPattern, description });
/** Storable text with something besides white space (minLength 1), or any storable text up to maxLength (minLength 0). */
const text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength, pattern: minLength > 0 ? nonBlankTextPattern : storableTextPattern });
const cents = (description: string, minimum = 0) => Type.Integer({ minimum, maximum: limits.maxAmountCents, description });

export const Sku = id('stock keeping unit: letters, digits, . _ : -');
export const Currency = Type.String({ pattern: currencyPattern, description: 'ISO 4217 code, e.g. EUR' });

export const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
export const OrderParams = Type.Object({ id: id('order id') }, { additionalProperties: false });

export const AddProductBody = Type.Object(
  {
    sku: Sku,
    name: text(limits.nameLength),
    description: text(limits.descriptionLength, 0),
    category: text(limits.categoryLength),
    priceCents: cents('unit price in minor units'),
    currency: Currency,
    merchantId: id('merchant id'),
    stock: Type.Integer({ minimum: 0, maximum: limits.maxStockQuantity }),
  },
  { additionalProperties: false },
);
export type AddProductBody = Static<typeof AddProductBody>;

export const RestockBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: limits.maxStockQuantity }) }, { additionalProperties: false });
export type RestockBody = Static<typeof RestockBody>;

export const PlaceOrderBody = Type.Object(
  {
    orderId: Type.Optional(id('order id; generated when absent')),
    customerId: id('customer id'),
    currency: Currency,
    lines: Type.Array(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: limits.maxLineQuantity }) }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: limits.maxOrderLines,
    }),
    customer: Type.Optional(
      Type.Object({ name: text(limits.nameLength), email: Type.String({ maxLength: limits.emailLength, pattern: emailPattern }) }, { additionalProperties: false }),
    ),
    shippingAddress: Type.Optional(
      Type.Object(
        {
          line1: text(limits.addressLineLength),
          line2: Type.Optional(text(limits.addressLineLength, 0)),
          city: text(limits.cityLength),
          region: Type.Optional(text(limits.regionLength)),
          postalCode: text(limits.postalCodeLength),
          country: Type.String({ pattern: countryPattern }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const PayOrderBody = Type.Object({ amountCents: cents('must equal the order total'), paymentRef: text(limits.paymentRefLength) }, { additionalProperties: false });
export type PayOrderBody = Static<typeof PayOrderBody>;

export const ShipOrderBody = Type.Object({ carrier: text(limits.carrierLength), trackingNumber: text(limits.trackingNumberLength) }, { additionalProperties: false });
export type ShipOrderBody = Static<typeof ShipOrderBody>;

export const DeliverOrderBody = Type.Object({}, { additionalProperties: false });

export const CancelOrderBody = Type.Object({ reason: text(limits.reasonLength) }, { additionalProperties: false });
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

const Instant = (description: string) => Type.String({ minLength: 1, maxLength: 40, pattern: storableTextPattern, description: `${description}; ISO 8601, e.g. 2025-03-01T12:00:00Z` });
const OrderStatus = Type.Union([Type.Literal('placed'), Type.Literal('paid'), Type.Literal('shipped'), Type.Literal('delivered'), Type.Literal('cancelled')]);

export const OrderSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, pattern: storableTextPattern, description: 'words of the customer name, email or id, the order id, product names or skus' })),
    customerId: Type.Optional(id('customer id')),
    sku: Type.Optional(Sku),
    status: Type.Optional(OrderStatus),
    from: Type.Optional(Instant('placed at or after')),
    to: Type.Optional(Instant('placed before')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(text(200)),
  },
  { additionalProperties: false },
);
export type OrderSearchQuery = Static<typeof OrderSearchQuery>;

export const MerchantParams = Type.Object({ id: id('merchant id') }, { additionalProperties: false });

export const PayoutBody = Type.Object(
  {
    currency: Currency,
    amountCents: cents('what to pay out', 1),
    payoutId: Type.Optional(id('chosen by the caller so a retry is not paid twice; generated when absent')),
  },
  { additionalProperties: false },
);
export type PayoutBody = Static<typeof PayoutBody>;

export const SalesQuery = Type.Object(
  {
    from: Type.Optional(Instant('minutes starting at or after; default: to − 24 h')),
    to: Type.Optional(Instant('minutes starting before; default: now')),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'how many top products, default 10' })),
    topBy: Type.Optional(Type.Union([Type.Literal('quantity'), Type.Literal('revenue')])),
  },
  { additionalProperties: false },
);
export type SalesQuery = Static<typeof SalesQuery>;

export const CustomerParams = Type.Object({ id: id('customer id') }, { additionalProperties: false });
export const CustomerOrdersQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false });
