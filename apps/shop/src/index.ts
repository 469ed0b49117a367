// @twofold/shop: the reference e-commerce system built with Twofold.
export { shopApplication } from './shop-application.js';
export { shopProjections, startShop } from './shop-server.js';
export type { Shop, ShopOptions } from './shop-server.js';
