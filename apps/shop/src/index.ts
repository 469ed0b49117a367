// @twofold/shop: the reference e-commerce system built with Twofold.
export { shopApplication } from './shop-application.js';
export { shopProjections, shopProjectionsInEventStoreDatabase, startShop } from './shop-server.js';
export { orderSummaryKey, redisOrderSummaries } from './projections/index.js';
export type { Shop, ShopOptions } from './shop-server.js';
