// The shop's query endpoints: each reads one read model and declares it, so read-your-writes waits on the right checkpoint.
import { queryRoute, type HttpApp } from '@twofold/http';
import type { SqlClient } from '@twofold/postgres';
import { getOrderSummary, orderSummaries, productCatalog, searchProducts } from '../projections/index.js';
import { OrderParams, ProductSearchQuery } from './schemas.js';

export function queryRoutes(app: HttpApp, readStore: SqlClient): void {
  queryRoute(app, {
    url: '/api/orders/:id',
    schema: { params: OrderParams },
    projections: [orderSummaries.name],
    resource: 'order',
    summary: 'One order with its lines, totals, status and timestamps',
    tags: ['orders'],
    operationId: 'getOrder',
    handler: ({ params }) => getOrderSummary(readStore, params.id),
  });
  queryRoute(app, {
    url: '/api/products',
    schema: { querystring: ProductSearchQuery },
    projections: [productCatalog.name],
    summary: 'Search the catalog: text, category, price range, in stock; keyset paging',
    tags: ['products'],
    operationId: 'searchProducts',
    handler: ({ query }) => {
      const { minPosition: _token, ...search } = query as typeof query & { minPosition?: unknown };
      return searchProducts(readStore, search);
    },
  });
}
