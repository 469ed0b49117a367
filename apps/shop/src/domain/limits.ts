// The shop's bounds on command input: the one source for the domain's guards and the HTTP schemas alike.

export const limits = {
  /** Ids that become part of a stream name (sku, order, customer, merchant, payout): letters, digits, `.`, `_`, `:`, `-`. */
  idLength: 64,
  nameLength: 200,
  descriptionLength: 4_000,
  categoryLength: 100,
  reasonLength: 500,
  paymentRefLength: 128,
  carrierLength: 100,
  trackingNumberLength: 100,
  emailLength: 320,
  addressLineLength: 200,
  cityLength: 100,
  regionLength: 100,
  postalCodeLength: 20,
  /** Stock added at once (a new product's stock, a restock). */
  maxStockQuantity: 10_000_000,
  /** Units of one sku in one order (lines naming the same sku are summed first). */
  maxLineQuantity: 100_000,
  maxOrderLines: 100,
  /** A unit price, an order's total, a payment and a payout: one bound, so every order placed can be paid. */
  maxAmountCents: 100_000_000_000,
} as const;

export const identifierPattern = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';
export const currencyPattern = '^[A-Z]{3}$';
export const countryPattern = '^[A-Z]{2}$';
/** One character a database can store as text: not NUL, not a surrogate code point (PostgreSQL refuses both). */
const storableCharacter = '[^\\u0000\\uD800-\\uDFFF]';
/** Patterns below are matched per code point (the `u` flag, as Ajv does): a surrogate pair is one character, a lone surrogate is refused. */
export const storableTextPattern = `^${storableCharacter}*$`;
/** Storable text holding something besides white space (written to match in linear time: no lookahead, no nested choice). */
export const nonBlankTextPattern = `^\\s*[^\\s\\u0000\\uD800-\\uDFFF]${storableCharacter}*$`;
export const emailPattern = '^[^\\s@\\u0000\\uD800-\\uDFFF]+@[^\\s@\\u0000\\uD800-\\uDFFF]+$';
