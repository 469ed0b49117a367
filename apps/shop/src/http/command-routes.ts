// The shop's command endpoints: each validates its body, runs one command handler and answers with a consistency token.
import { randomUUID } from 'node:crypto';
import type { CommandProcessor } from '@twofold/core';
import { commandRoute, type HttpApp } from '@twofold/http';
import {
  addProduct,
  cancelOrder,
  deliverOrder,
  orderStream,
  payOrder,
  placeOrder,
  merchantStream,
  restockProduct,
  sendPayout,
  shipOrder,
} from '../domain/index.js';
import {
  AddProductBody,
  CancelOrderBody,
  DeliverOrderBody,
  MerchantParams,
  OrderParams,
  PayOrderBody,
  PayoutBody,
  PlaceOrderBody,
  RestockBody,
  ShipOrderBody,
  SkuParams,
} from './schemas.js';
import { onPrimaryStream } from './primary-stream.js';

function productCommandRoutes(app: HttpApp, commands: CommandProcessor): void {
  commandRoute(app, {
    url: '/api/products',
    schema: { body: AddProductBody },
    summary: 'Add a product to the catalog with its initial stock',
    tags: ['products'],
    operationId: 'addProduct',
    handler: ({ body, metadata }) => addProduct(commands, body, metadata),
  });
  commandRoute(app, {
    url: '/api/products/:sku/restock',
    schema: { params: SkuParams, body: RestockBody },
    summary: 'Add stock to a product',
    tags: ['products'],
    operationId: 'restockProduct',
    handler: ({ params, body, metadata }) => restockProduct(commands, { sku: params.sku, quantity: body.quantity }, metadata),
  });
}

function orderCommandRoutes(app: HttpApp, commands: CommandProcessor, payment: { readonly paymentWindowMs?: number }): void {
  commandRoute(app, {
    url: '/api/orders',
    schema: { body: PlaceOrderBody },
    summary: 'Place an order, reserving stock on every product it names (all or nothing)',
    tags: ['orders'],
    operationId: 'placeOrder',
    handler: async ({ body, metadata }) => {
      const orderId = body.orderId ?? randomUUID();
      return onPrimaryStream(orderStream(orderId), placeOrder(commands, { ...body, orderId, ...payment }, metadata));
    },
  });
  commandRoute(app, {
    url: '/api/orders/:id/pay',
    schema: { params: OrderParams, body: PayOrderBody },
    summary: 'Record the payment of a placed order (the amount must equal its total) and charge its merchants',
    tags: ['orders'],
    operationId: 'payOrder',
    handler: async ({ params, body, metadata }) => onPrimaryStream(orderStream(params.id), payOrder(commands, { orderId: params.id, ...body }, metadata)),
  });
  commandRoute(app, {
    url: '/api/orders/:id/ship',
    schema: { params: OrderParams, body: ShipOrderBody },
    summary: 'Ship a paid order',
    tags: ['orders'],
    operationId: 'shipOrder',
    handler: ({ params, body, metadata }) => shipOrder(commands, { orderId: params.id, ...body }, metadata),
  });
  commandRoute(app, {
    url: '/api/orders/:id/deliver',
    schema: { params: OrderParams, body: DeliverOrderBody },
    summary: 'Record the delivery of a shipped order',
    tags: ['orders'],
    operationId: 'deliverOrder',
    handler: ({ params, metadata }) => deliverOrder(commands, { orderId: params.id }, metadata),
  });
  commandRoute(app, {
    url: '/api/orders/:id/cancel',
    schema: { params: OrderParams, body: CancelOrderBody },
    summary: 'Cancel an order before it ships: releases its stock, refunds it (and its merchants) if paid',
    tags: ['orders'],
    operationId: 'cancelOrder',
    handler: async ({ params, body, metadata }) => onPrimaryStream(orderStream(params.id), cancelOrder(commands, params.id, body.reason, metadata)),
  });
}

function merchantCommandRoutes(app: HttpApp, commands: CommandProcessor): void {
  commandRoute(app, {
    url: '/api/merchants/:id/payouts',
    schema: { params: MerchantParams, body: PayoutBody },
    summary: 'Pay a merchant out of its available balance (422 insufficient_balance when larger); a repeated payoutId is sent once',
    tags: ['merchants'],
    operationId: 'sendPayout',
    handler: async ({ params, body, metadata }) => {
      const { payoutId = randomUUID(), currency, amountCents } = body;
      return onPrimaryStream(merchantStream(params.id), sendPayout(commands, { merchantId: params.id, payoutId, currency, amountCents }, metadata));
    },
  });
}

/** `paymentWindowMs`: how long a placed order waits for its payment before it is cancelled (none: it waits forever). */
export function commandRoutes(app: HttpApp, commands: CommandProcessor, options: { readonly paymentWindowMs?: number } = {}): void {
  const payment = options.paymentWindowMs === undefined ? {} : { paymentWindowMs: options.paymentWindowMs };
  productCommandRoutes(app, commands);
  orderCommandRoutes(app, commands, payment);
  merchantCommandRoutes(app, commands);
}
