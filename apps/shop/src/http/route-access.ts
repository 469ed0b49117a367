// Who may call each route of the shop: the one table access control enforces and the auth matrix test is built from.
import type { AccessTable } from '@twofold/http';

/**
 * reader: queries and other reads; writer: + commands; admin: + operating the projections and reading raw event
 * history (audit). Health is open, for probes. A route declared without an entry here fails at start.
 */
export const shopRouteAccess: AccessTable = {
  // commands
  'POST /api/products': 'writer',
  'POST /api/products/:sku/restock': 'writer',
  'POST /api/orders': 'writer',
  'POST /api/orders/:id/pay': 'writer',
  'POST /api/orders/:id/ship': 'writer',
  'POST /api/orders/:id/deliver': 'writer',
  'POST /api/orders/:id/cancel': 'writer',
  'POST /api/merchants/:id/payouts': 'writer',
  // erasing a customer's personal data cannot be undone
  'POST /api/customers/:id/forget': 'admin',
  // queries
  'GET /api/orders/:id': 'reader',
  'GET /api/orders': 'reader',
  'GET /api/products': 'reader',
  'GET /api/merchants/:id/balances': 'reader',
  'GET /api/analytics/sales': 'reader',
  'GET /api/customers/:id/orders': 'reader',
  // the state of the read side, and its metrics (a Prometheus scrape sends a reader key)
  'GET /api/projections': 'reader',
  'GET /metrics': 'reader',
  'GET /api/openapi.json': 'reader',
  'GET /api/live': 'reader',
  // operating the projections; dead letters and streams hold raw event data
  'POST /api/projections/:name/rebuild': 'admin',
  'POST /api/projections/:name/pause': 'admin',
  'POST /api/projections/:name/resume': 'admin',
  'POST /api/projections/:name/dead-letters/retry': 'admin',
  'GET /api/projections/:name/dead-letters': 'admin',
  'DELETE /api/projections/:name/dead-letters': 'admin',
  'GET /api/streams/:id': 'admin',
  // probes
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  // the dashboard's page and assets (what it shows comes from the API, under the caller's key)
  'GET /': 'public',
  'GET /*': 'public',
};
