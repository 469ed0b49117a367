// @twofold/http: a Fastify toolkit for Twofold apps: command and query routes, the error table, consistency headers, built-in routes.
export type { CreateHttpAppOptions, OpenApiOptions } from './create-http-app.js';
export { createHttpApp } from './create-http-app.js';
export type { HttpApp, HttpAppSettings } from './http-app.js';
export { errorStatuses, statusOfError } from './error-statuses.js';
export type { ErrorReply } from './error-response.js';
export { describeError, ErrorResponse, errorResponseRef, errorResponseSchemaId } from './error-response.js';
export { sendError } from './error-handling.js';
export { correlationIdFrom, correlationIdHeader } from './correlation-id.js';
export type { CommandInput, CommandOutcome, CommandRouteOptions } from './command-route.js';
export { CommandAccepted, commandRoute } from './command-route.js';
export type { QueryInput, QueryRouteOptions } from './query-route.js';
export { queryRoute } from './query-route.js';
export type { ConsistencyRequest } from './consistency-request.js';
export { consistencyRequestOf } from './consistency-request.js';
export { freshnessHeaderDocs, setFreshnessHeaders } from './freshness-headers.js';
export type { HealthRoutesOptions } from './health-routes.js';
export { healthRoutes } from './health-routes.js';
export type { StreamRoutesOptions } from './stream-routes.js';
export { StreamHistory, streamRoutes } from './stream-routes.js';
export type { ProjectionRoutesOptions } from './projection-routes.js';
export { ProjectionList, projectionRoutes } from './projection-routes.js';
export type { OverviewInput, ProjectionOverview, ProjectionStatus } from './projection-overview.js';
export { projectionOverview } from './projection-overview.js';
// the schema builder routes are declared with, so apps need no second TypeBox
export { Type } from '@sinclair/typebox';
export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { metricsRoutes } from './metrics.js';
export type { MetricsOptions, ReaderHoldbackReading } from './metrics.js';
