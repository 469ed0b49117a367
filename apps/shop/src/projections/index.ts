// The shop's read models: projections over SQL and the queries beside them.
// the read models holding personal data, as they also answer CustomerForgotten
export { customerOrderIdsKey, orderSearch, orderSummaries, orderSummariesBesideTheLog, redisOrderSummaries } from './customer-redactions.js';
export { batchedOrderSummaryReader, getOrderSummaries, getOrderSummary, listOrderSummaries } from './order-summary-queries.js';
export type { OrderSummary, OrderSummaryFilter, OrderSummaryLine, OrderSummaryPage } from './order-summary-queries.js';
export { catalogTextSearchConfig, productCatalog } from './product-catalog.js';
export { getProduct, searchProducts } from './product-catalog-queries.js';
export type { CatalogProduct, ProductSearch, ProductSearchPage } from './product-catalog-queries.js';
export { orderSearchTextConfig } from './order-search.js';
export { searchOrders } from './order-search-queries.js';
export type { FoundOrder, FoundOrderLine, OrderSearch, OrderSearchPage } from './order-search-queries.js';
export { merchantBalances } from './merchant-balances.js';
export { getMerchantBalances } from './merchant-balance-queries.js';
export type { MerchantBalance, MerchantBalances } from './merchant-balance-queries.js';
export { minuteOf, salesAnalytics } from './sales-analytics.js';
export { getSalesReport, maxSalesRangeMs } from './sales-analytics-queries.js';
export type { SalesMinute, SalesQuery, SalesReport, TopProduct } from './sales-analytics-queries.js';
export { customerOrders, customerOrdersProjection } from './customer-orders.js';
export type { CustomerOrdersOptions } from './customer-orders.js';
export { getCustomerOrders } from './customer-order-queries.js';
export type { CustomerOrder, CustomerOrders } from './customer-order-queries.js';
export { getRedisOrderSummary, orderSummaryKey } from './redis-order-summaries.js';
export { orderSummaryAt } from './order-summary-at.js';
export type { PastOrderSummary } from './order-summary-at.js';
