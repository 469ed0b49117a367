// The shop's SQL read models, as one list, and the same list for a read store that is the event store's database.
import type { ProjectionDefinition } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { customerOrders } from './customer-orders/customer-orders.js';
import { merchantBalances } from './merchant-balances/merchant-balances.js';
// the read models holding personal data as they also redact a forgotten customer's rows
import { orderSearch, orderSummaries, orderSummariesInEventStoreDatabase } from './customer-redactions/customer-redactions.js';
import { productCatalog } from './product-catalog/product-catalog.js';
import { salesAnalytics } from './sales-analytics/sales-analytics.js';

export const shopProjections: readonly ProjectionDefinition<SqlSession>[] = [
  orderSummaries,
  productCatalog,
  orderSearch,
  merchantBalances,
  salesAnalytics,
  customerOrders,
];

/**
 * The projections when the read store is the event store's own PostgreSQL database: orderSummaries then
 * reads its events from the log by position instead of receiving their bodies. Same names, versions and rows.
 */
export const shopProjectionsInEventStoreDatabase: readonly ProjectionDefinition<SqlSession>[] = shopProjections.map((projection) =>
  projection === orderSummaries ? orderSummariesInEventStoreDatabase : projection,
);
