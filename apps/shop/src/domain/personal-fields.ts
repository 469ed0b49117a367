// The shop's personal data: the fields of its events sealed with the customer's data key, and whose key that is.
import type { PersonalFields } from '@twofold/core';

/** An order's customer (name, email) and shipping address; ids, lines, amounts and times stay in clear for the audit trail. */
export const shopPersonalFields: PersonalFields = {
  OrderPlaced: { subject: 'customerId', fields: ['customer', 'shippingAddress'] },
};
