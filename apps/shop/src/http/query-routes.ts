// The shop's query endpoints: each reads one read model and declares it, so read-your-writes waits on the right checkpoint.
import type { AnswerCache, ConsistencyGate, EventStore } from '@twofold/core';
import { queryRoute, type HttpApp } from '@twofold/http';
import type { SqlClient } from '@twofold/postgres';
import {
  customerOrders,
  getCustomerOrders,
  batchedOrderSummaryReader,
  orderSummaryAt,
  getMerchantBalances,
  getSalesReport,
  type OrderSummary,
  merchantBalances,
  orderSearch,
  orderSummaries,
  productCatalog,
  salesAnalytics,
  searchOrders,
  searchProducts,
} from '../projections/index.js';
import { orderStream } from '../domain/order.js';
import { parseInstant } from './query-params.js';
import {
  CustomerOrdersQuery,
  CustomerParams,
  MerchantParams,
  OrderParams,
  OrderSearchQuery,
  ProductSearchQuery,
  SalesQuery,
} from './schemas.js';

export interface QueryRoutesOptions {
  /** The clock default time ranges end at. */
  readonly now?: () => Date;
  /** Where orders by id are read when they are kept elsewhere (Redis), with the gate of that store's checkpoints. */
  readonly orderSummaries?: {
    readonly read: (orderId: string) => Promise<OrderSummary | undefined>;
    readonly consistencyGate: ConsistencyGate;
  };
  /** The log, for time travel (`GET /api/orders/:id?at=`); without it the route answers only the present. */
  readonly history?: Pick<EventStore, 'readStream'>;
  /** An exact cache of orders by id, told of every orderSummaries batch (not for orders read elsewhere). */
  readonly answers?: AnswerCache;
}

const dayMs = 86_400_000;

/** The order as it was at a point, folded from its stream. */
const withHistory =
  (history: Pick<EventStore, 'readStream'>) =>
  async ({ params, point }: { readonly params: { readonly id: string }; readonly point: Parameters<typeof orderSummaryAt>[1] }) =>
    orderSummaryAt(await history.readStream(orderStream(params.id)), point);

/** The query without the consistency token queryRoute adds to every querystring. */
const withoutToken = <Q extends object>(query: Q): Omit<Q, 'minPosition'> => {
  const { minPosition: _token, ...rest } = query as Q & { minPosition?: unknown };
  return rest;
};

export function queryRoutes(app: HttpApp, readStore: SqlClient, options: QueryRoutesOptions = {}): void {
  const { now = () => new Date() } = options;
  const readOrder = options.orderSummaries?.read ?? batchedOrderSummaryReader(readStore);
  queryRoute(app, {
    url: '/api/orders/:id',
    schema: { params: OrderParams },
    projections: [orderSummaries.name],
    resource: 'order',
    summary: 'One order with its lines, totals, status and timestamps; with ?at= (a position or an instant) as it was then, folded from the log',
    tags: ['orders'],
    operationId: 'getOrder',
    ...(options.orderSummaries === undefined ? {} : { consistencyGate: options.orderSummaries.consistencyGate }),
    handler: ({ params }) => readOrder(params.id),
    ...(options.answers === undefined || options.orderSummaries !== undefined ? {} : { cache: { answers: options.answers, keyOf: (params: { readonly id: string }) => params.id } }),
    ...(options.history === undefined ? {} : { atPoint: withHistory(options.history) }),
  });
  queryRoute(app, {
    url: '/api/orders',
    schema: { querystring: OrderSearchQuery },
    projections: [orderSearch.name],
    summary: 'Search orders: text over customer and products, customer, sku, status, placement time; newest first, keyset paging',
    tags: ['orders'],
    operationId: 'searchOrders',
    handler: ({ query }) => {
      const { from, to, ...search } = withoutToken(query);
      return searchOrders(readStore, { ...search, from: parseInstant('from', from), to: parseInstant('to', to) });
    },
  });
  queryRoute(app, {
    url: '/api/products',
    schema: { querystring: ProductSearchQuery },
    projections: [productCatalog.name],
    summary: 'Search the catalog: text, category, price range, in stock; keyset paging',
    tags: ['products'],
    operationId: 'searchProducts',
    handler: ({ query }) => searchProducts(readStore, withoutToken(query)),
  });
  queryRoute(app, {
    url: '/api/merchants/:id/balances',
    schema: { params: MerchantParams },
    projections: [merchantBalances.name],
    summary: 'A merchant’s charges, refunds, payouts and balance in each currency',
    tags: ['merchants'],
    operationId: 'getMerchantBalances',
    handler: ({ params }) => getMerchantBalances(readStore, params.id),
  });
  queryRoute(app, {
    url: '/api/analytics/sales',
    schema: { querystring: SalesQuery },
    projections: [salesAnalytics.name],
    summary: 'Orders placed and revenue paid per minute and currency, and the top products, over at most 31 days (default: the last 24 h)',
    tags: ['analytics'],
    operationId: 'getSalesReport',
    handler: ({ query }) => {
      const { from, to, ...rest } = withoutToken(query);
      const end = parseInstant('to', to) ?? now();
      const start = parseInstant('from', from) ?? new Date(end.getTime() - dayMs);
      return getSalesReport(readStore, { ...rest, from: start, to: end });
    },
  });
  queryRoute(app, {
    url: '/api/customers/:id/orders',
    schema: { params: CustomerParams, querystring: CustomerOrdersQuery },
    projections: [customerOrders.name],
    summary: 'A customer’s orders inside the retention window, newest first',
    tags: ['customers'],
    operationId: 'getCustomerOrders',
    handler: ({ params, query }) => getCustomerOrders(readStore, params.id, withoutToken(query)),
  });
}
