// The shop's read models: projections over SQL and the queries beside them.
export { orderSummaries } from './order-summaries.js';
export { getOrderSummary, listOrderSummaries } from './order-summary-queries.js';
export type { OrderSummary, OrderSummaryFilter, OrderSummaryLine, OrderSummaryPage } from './order-summary-queries.js';
export { catalogTextSearchConfig, productCatalog } from './product-catalog.js';
export { getProduct, searchProducts } from './product-catalog-queries.js';
export type { CatalogProduct, ProductSearch, ProductSearchPage } from './product-catalog-queries.js';
