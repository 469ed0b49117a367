// createHttpApp: a Fastify app with TypeBox, limits, auth, security headers, the Twofold error shape everywhere, and the OpenAPI document.
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ConsistencyGate, IdempotencyStore } from '@twofold/core';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import { correlationIdFrom, correlationIdHeader } from './correlation-id.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handling.js';
import { ErrorResponse } from './error-response.js';
import { attachSettings, type HttpApp } from './http-app.js';
import { installRequestLog, logRedactions } from './request-log.js';
import { accessOf, apiKeyOf, installAccessControl, type AccessControlOptions } from './route-access.js';
import { installRateLimit, type RateLimit } from './rate-limit.js';
import { installSecurityHeaders } from './security-headers.js';
import { installShutdown } from './shutdown.js';
import { installUnreadBodyDrain } from './unread-body.js';
import { createValidatorCompiler } from './validator.js';

export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** Where the document is served. */
  readonly path?: string;
}

export interface CreateHttpAppOptions {
  /** Needed by query routes for read-your-writes and freshness headers. */
  readonly consistencyGate?: ConsistencyGate;
  /** How long a query waits for `X-Min-Position` when `X-Wait-Ms` is absent. */
  readonly defaultWaitMs?: number;
  /** The largest `X-Wait-Ms` accepted; larger values are a 400. */
  readonly maxWaitMs?: number;
  /** Larger bodies are refused with 413. */
  readonly bodyLimitBytes?: number;
  /**
   * The longest a request may take to arrive, headers and body (default 30,000 ms; 0: no limit); slower ones get
   * 408 and their connection is closed. It does not bound the handler.
   */
  readonly requestTimeoutMs?: number;
  /** Closes a connection that sends and receives nothing for this long (default 0: never; it would cut long waits). */
  readonly connectionTimeoutMs?: number;
  /**
   * How long `close()` keeps serving, with readiness 503 and `Connection: close` on every answer, before it stops
   * listening (default 0), so clients and load balancers move on before connections are refused.
   */
  readonly shutdownDrainMs?: number;
  /** How long `close()` then lets requests in flight finish before closing their connections (default 5,000 ms). */
  readonly shutdownGraceMs?: number;
  /**
   * The access table and the API keys: with keys, a route needs a key of at least its role (401, 403); without keys,
   * every route is open. Either way, every route must be in the table. Default: no table, every route open.
   */
  readonly access?: AccessControlOptions;
  /** Requests per second per API key (per client address without keys); more answer 429 with Retry-After. Default: no limit. */
  readonly rateLimit?: RateLimit;
  /**
   * A pino-compatible logger, or true for Fastify's own; default: no logging. Each answered request is one line:
   * at debug when it went well, info for a 4xx, error for a 5xx, warn when slower than `slowRequestMs`.
   */
  readonly logger?: FastifyBaseLogger | boolean;
  /** Default 1,000 ms. */
  readonly slowRequestMs?: number;
  readonly openApi?: OpenApiOptions;
  /** Lag above which a read model is delayed (default 500 ms), by projection name. */
  readonly lagThresholdsMs?: Readonly<Record<string, number>>;
  readonly defaultLagThresholdMs?: number;
  /** The clock commands are stamped with. */
  readonly now?: () => Date;
  /** Enables the `Idempotency-Key` header on command routes (the event store must store the keys: postgresEventStore does). */
  readonly idempotencyStore?: IdempotencyStore;
}

/** Fastify's options: logging, limits and timeouts, correlation ids, and Twofold's answers to framework errors. */
function serverOptionsOf(
  logger: NonNullable<CreateHttpAppOptions['logger']>,
  bodyLimitBytes: number,
  requestTimeoutMs: number,
  connectionTimeoutMs: number,
): FastifyHttpOptions<Server> {
  return {
    ...(typeof logger === 'boolean' ? { logger: logger && { redact: [...logRedactions] } } : { loggerInstance: logger }),
    // one line per request, by installRequestLog below, not Fastify's two at info
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimitBytes,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: connectionTimeoutMs,
    // Node checks for late requests this often (its default, 30 s, would let a 30 s timeout run to a minute)
    http: {
      connectionsCheckingInterval: requestTimeoutMs === 0 ? 30_000 : Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 2))),
      headersTimeout: requestTimeoutMs === 0 ? 60_000 : Math.min(60_000, requestTimeoutMs),
    },
    // requests arriving while the app closes get the Twofold shape (installShutdown), not Fastify's
    return503OnClosing: false,
    // room for long stream ids and other keys in paths; longer parameters answer 414
    routerOptions: { maxParamLength: 256 },
    // request.id is the correlation id (logged as reqId)
    requestIdHeader: false,
    genReqId: (request) => correlationIdFrom(request.headers[correlationIdHeader]),
    frameworkErrors,
    clientErrorHandler,
  };
}

/** Documents the routes as OpenAPI 3 and serves the document (GET /api/openapi.json by default). */
async function installOpenApi(app: HttpApp, openApi: NonNullable<CreateHttpAppOptions['openApi']>): Promise<void> {
  app.addSchema(ErrorResponse);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: openApi.title ?? 'Twofold API',
        version: openApi.version ?? '0.1.0',
        ...(openApi.description === undefined ? {} : { description: openApi.description }),
      },
    },
    // components are named after their $id, so the error schema is #/components/schemas/TwofoldErrorResponse
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get(openApi.path ?? '/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Creates the app; declare routes on it with commandRoute, queryRoute and the built-in route functions,
 * then `listen()` or `inject()`. Every request gets a correlation id (`request.id`, echoed as `X-Correlation-Id`).
 */
export async function createHttpApp(options: CreateHttpAppOptions = {}): Promise<HttpApp> {
  const {
    consistencyGate,
    defaultWaitMs = 3000,
    maxWaitMs = 30_000,
    bodyLimitBytes = 1024 * 1024,
    requestTimeoutMs = 30_000,
    connectionTimeoutMs = 0,
    logger = false,
    openApi = {},
    now = () => new Date(),
  } = options;
  if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0) throw new RangeError('maxWaitMs must be a non-negative integer');
  if (!Number.isInteger(defaultWaitMs) || defaultWaitMs < 0 || defaultWaitMs > maxWaitMs) {
    throw new RangeError('defaultWaitMs must be an integer between 0 and maxWaitMs');
  }
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes < 1) throw new RangeError('bodyLimitBytes must be a positive integer');
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 0) throw new RangeError('requestTimeoutMs must be a non-negative integer');
  if (!Number.isInteger(connectionTimeoutMs) || connectionTimeoutMs < 0) throw new RangeError('connectionTimeoutMs must be a non-negative integer');

  const serverOptions = serverOptionsOf(logger, bodyLimitBytes, requestTimeoutMs, connectionTimeoutMs);
  const app: HttpApp = Fastify(serverOptions).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler(() => app.getSchemas()));

  attachSettings(app, {
    consistencyGate,
    defaultWaitMs,
    maxWaitMs,
    now,
    idempotencyStore: options.idempotencyStore,
    lagThresholdsMs: options.lagThresholdsMs ?? {},
    defaultLagThresholdMs: options.defaultLagThresholdMs ?? 500,
  });
  installErrorHandling(app);
  if (logger !== false) installRequestLog(app, options.slowRequestMs === undefined ? {} : { slowMs: options.slowRequestMs });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(correlationIdHeader, request.id);
    done();
  });
  // in this order, before any body is read: headers on every answer, 503 while closing, who is calling, how often
  installSecurityHeaders(app);
  const shutdown = installShutdown(app, {
    ...(options.shutdownDrainMs === undefined ? {} : { drainMs: options.shutdownDrainMs }),
    ...(options.shutdownGraceMs === undefined ? {} : { graceMs: options.shutdownGraceMs }),
  });
  if (options.access !== undefined) installAccessControl(app, options.access);
  const { rateLimit, access } = options;
  if (rateLimit !== undefined) {
    installRateLimit(
      app,
      rateLimit,
      (request) => {
        const key = apiKeyOf(request);
        return key === undefined ? `address ${request.ip}` : key.id;
      },
      // probes are never limited
      (method, url) => url !== undefined && (url.startsWith('/health/') || (access !== undefined && accessOf(access.table, method, url) === 'public')),
    );
  }
  installUnreadBodyDrain(app, { closing: shutdown.closing });

  await installOpenApi(app, openApi);
  return app;
}
