// The shop's read models: projections over SQL and the queries beside them.
// the read models holding personal data, as they also answer CustomerForgotten
export { customerOrderIdsKey, orderSearch, orderSummaries, orderSummariesInEventStoreDatabase, redisOrderSummaries } from './customer-redactions/customer-redactions.js';
export { batchedOrderSummaryReader, getOrderSummaries, getOrderSummary, listOrderSummaries } from './order-summaries/order-summary-queries.js';
export type { OrderSummary, OrderSummaryFilter, OrderSummaryLine, OrderSummaryPage } from './order-summaries/order-summary-queries.js';
export { catalogTextSearchConfig, productCatalog } from './product-catalog/product-catalog.js';
export { getProduct, searchProducts } from './product-catalog/product-catalog-queries.js';
export type { CatalogProduct, ProductSearch, ProductSearchPage } from './product-catalog/product-catalog-queries.js';
export { orderSearchTextConfig } from './order-search/order-search.js';
export { searchOrders } from './order-search/order-search-queries.js';
export type { FoundOrder, FoundOrderLine, OrderSearch, OrderSearchPage } from './order-search/order-search-queries.js';
export { merchantBalances } from './merchant-balances/merchant-balances.js';
export { getMerchantBalances } from './merchant-balances/merchant-balance-queries.js';
export type { MerchantBalance, MerchantBalances } from './merchant-balances/merchant-balance-queries.js';
export { minuteOf, salesAnalytics } from './sales-analytics/sales-analytics.js';
export { getSalesReport, maxSalesRangeMs } from './sales-analytics/sales-analytics-queries.js';
export type { SalesMinute, SalesQuery, SalesReport, TopProduct } from './sales-analytics/sales-analytics-queries.js';
export { customerOrders, customerOrdersProjection } from './customer-orders/customer-orders.js';
export type { CustomerOrdersOptions } from './customer-orders/customer-orders.js';
export { getCustomerOrders } from './customer-orders/customer-order-queries.js';
export type { CustomerOrder, CustomerOrders } from './customer-orders/customer-order-queries.js';
export { getRedisOrderSummary, orderSummaryKey } from './order-summaries/redis-order-summaries.js';
export { orderSummaryAt } from './order-summaries/order-summary-at.js';
export type { PastOrderSummary } from './order-summaries/order-summary-at.js';
export { shopProjections, shopProjectionsInEventStoreDatabase } from './shop-projections.js';
