// The shop's write model: product, order and merchant deciders, their events and commands, and the functions that handle them.
export { limits } from './limits.js';
export { availableStock, productDecider, productEventTypes, productModel, productStream } from './product.js';
export type {
  AddProduct,
  ListedProduct,
  ProductAdded,
  ProductCommand,
  ProductDetails,
  ProductEvent,
  ProductRestocked,
  ProductState,
  ReleaseStock,
  ReserveStock,
  RestockProduct,
  StockReleased,
  StockReserved,
} from './product.js';
export { orderDecider, orderEventTypes, orderModel, orderStream } from './order.js';
export type {
  CancelOrder,
  Customer,
  DeliverOrder,
  ExistingOrder,
  OrderCancelled,
  OrderCommand,
  OrderDelivered,
  OrderEvent,
  OrderLine,
  OrderPaid,
  OrderPlaced,
  OrderShipped,
  OrderState,
  OrderStatus,
  PayOrder,
  PlaceOrder,
  PlaceOrderData,
  ShipOrder,
  ShippingAddress,
} from './order.js';
export { mergeLines, placeOrder, placeOrderDecider } from './place-order.js';
export type { PlaceOrderInput, PlaceOrderLineInput, PlaceOrderRequest } from './place-order.js';
export { cancelOrder, cancelOrderDecider } from './cancel-order.js';
export { payOrder, payOrderDecider } from './pay-order.js';
export { addProduct, restockProduct } from './product-commands.js';
export { deliverOrder, shipOrder } from './order-commands.js';
export {
  amountsByMerchant,
  availableCents,
  balanceIn,
  merchantDecider,
  merchantEventTypes,
  merchantModel,
  merchantMovements,
  merchantStream,
  payoutOf,
} from './merchant.js';
export type {
  CurrencyBalance,
  MerchantCharged,
  MerchantCommand,
  MerchantEvent,
  MerchantMovement,
  MerchantRefunded,
  MerchantState,
  PayoutData,
  PayoutEntry,
  PayoutSent,
  SendPayout,
} from './merchant.js';
export { sendPayout } from './merchant-commands.js';
export { shopEventSchemas, shopEventStore } from './event-schemas.js';
export { customerDecider, customerModel, customerOfStream, customerStream, forgetCustomer } from './customer.js';
export type { CustomerEvent, CustomerForgotten, CustomerState, ForgetCustomer } from './customer.js';
export { shopPersonalFields } from './personal-fields.js';
