// queryRoute: declares a read-model endpoint with read-your-writes (X-Min-Position) and freshness headers on every answer.
import { Type, type Static, type TObject, type TSchema, type TUnknown } from '@sinclair/typebox';
import { NotFound, parsePointInLog, type AnswerCache, type ConsistencyGate, type Freshness, type PointInLog } from '@twofold/core';
import type { FastifyRequest } from 'fastify';
import { consistencyRequestOf } from './consistency-request.js';
import { errorResponseRef } from './error-response.js';
import { ConsistencyRequestHeaders, freshnessHeaderDocs, setFreshnessHeaders } from './freshness-headers.js';
import { settingsOf, type HttpApp } from './http-app.js';
import { operationDocs, type OperationDocs } from './operation-docs.js';

export interface QueryInput<Params, Query> {
  readonly params: Params;
  readonly query: Query;
  /** How fresh the read models were just before the handler ran (the answer is at least this fresh). */
  readonly freshness: Freshness;
  readonly request: FastifyRequest;
}

export interface QueryRouteOptions<P extends TSchema, Q extends TObject, R extends TSchema> extends OperationDocs {
  readonly url: string;
  readonly schema?: { readonly params?: P; readonly querystring?: Q; readonly response?: R };
  /** The read models (projection names) the handler reads: their checkpoints decide freshness. */
  readonly projections: readonly string[];
  /** Names the thing in the 404 when the handler returns undefined: `order 42 not found`. Default `resource`. */
  readonly resource?: string;
  /** Default: the app's gate. */
  readonly consistencyGate?: ConsistencyGate;
  /** Returns the answer, or undefined for 404 not_found. */
  readonly handler: (input: QueryInput<Static<P>, Static<Q>>) => Promise<Static<R> | undefined>;
  /**
   * Time travel: with `?at=<position or ISO instant>` the answer is folded from the log as it was at that point,
   * instead of read from the read models, so it waits for no checkpoint. Returns the answer with the position and
   * commit time of the last event folded, or undefined for 404 (nothing existed yet).
   */
  readonly atPoint?: (input: { readonly params: Static<P>; readonly point: PointInLog }) => Promise<PastAnswer<Static<R>> | undefined>;
  /**
   * Keeps answers in an exact cache (createAnswerCache, told of this process's batches): a route over one read model
   * whose answer is one key's (`keyOf`; undefined: do not cache this request). A kept answer is served only while the
   * cache learned every batch up to the checkpoint the headers name, and none changed its key. Found answers only,
   * kept as the JSON sent.
   */
  readonly cache?: { readonly answers: AnswerCache; readonly keyOf: (params: Static<P>, query: Static<Q>) => string | undefined };
}

export interface PastAnswer<T> {
  readonly answer: T;
  readonly position: number;
  readonly recordedAt: Date;
}

const jsonType = 'application/json; charset=utf-8';

const minPositionParameter = Type.Optional(
  Type.String({ description: 'the consistency token, as X-Min-Position (the header wins when both are sent)' }),
);
const atParameter = Type.Optional(
  Type.String({ description: 'time travel: a global position or an ISO 8601 instant; the answer is folded from the log as it was then' }),
);

/**
 * Declares a GET endpoint over read models. With `X-Min-Position: T` (or `?minPosition=T`) it first waits up to
 * `X-Wait-Ms` for the projections to reach T, and answers anyway when the wait runs out (`X-Consistency: stale`).
 */
export function queryRoute<P extends TSchema = TObject<Record<never, never>>, Q extends TObject = TObject<Record<never, never>>, R extends TSchema = TUnknown>(
  app: HttpApp,
  options: QueryRouteOptions<P, Q, R>,
): void {
  const { url, schema = {}, projections, resource = 'resource', handler, atPoint } = options;
  const settings = settingsOf(app);
  const gate = options.consistencyGate ?? settings.consistencyGate;
  if (gate === undefined) throw new Error(`query route ${url} needs a consistency gate: pass consistencyGate to createHttpApp`);
  if (projections.length === 0) throw new Error(`query route ${url} must name the projections it reads`);
  const used = [...projections];
  const { cache } = options;
  if (cache !== undefined && used.length !== 1) throw new Error(`query route ${url} caches answers: it must read exactly one read model`);
  const cached = used[0]!;

  const querystring = schema.querystring ?? Type.Object({});
  const response = schema.response ?? Type.Unknown();
  app.route({
    method: 'GET',
    url,
    schema: {
      ...operationDocs(options),
      headers: ConsistencyRequestHeaders,
      ...(schema.params === undefined ? {} : { params: schema.params }),
      // spreading keeps the caller's options (additionalProperties, …) and TypeBox's symbols
      querystring: {
        ...querystring,
        properties: { ...querystring.properties, minPosition: minPositionParameter, ...(atPoint === undefined ? {} : { at: atParameter }) },
      },
      response: {
        200: { ...response, description: response.description ?? 'The answer, with its freshness.', headers: freshnessHeaderDocs },
        '4xx': errorResponseRef,
        '5xx': errorResponseRef,
      },
    },
    async handler(request, reply) {
      const params = request.params as Static<P>;
      const at = atPoint === undefined ? undefined : (request.query as { at?: string }).at;
      if (atPoint !== undefined && at !== undefined) {
        const point = parsePointInLog(at, 'at');
        const past = await atPoint({ params, point });
        if (past === undefined) throw new NotFound(resource, lastParam(params) ?? request.url.split('?', 1)[0] ?? request.url);
        // the log is the truth: the answer is exact for its point, whatever the read models' lag
        setFreshnessHeaders(reply, { caughtUp: true, position: past.position, asOf: 'time' in point ? point.time : past.recordedAt, lagMs: 0 });
        return past.answer;
      }
      const { minPosition, waitMs } = consistencyRequestOf(request, settings);
      let freshness: Freshness;
      if (minPosition === undefined) freshness = await gate.freshness(used);
      else {
        // a client that hangs up while waiting frees its wait (the response closes before it is sent)
        const hungUp = new AbortController();
        const onClose = (): void => hungUp.abort();
        reply.raw.once('close', onClose);
        try {
          freshness = await gate.waitFor(used, minPosition, waitMs, hungUp.signal);
        } finally {
          reply.raw.off('close', onClose);
        }
      }
      setFreshnessHeaders(reply, freshness, Math.min(...used.map((name) => (Object.hasOwn(settings.lagThresholdsMs, name) ? settings.lagThresholdsMs[name] : undefined) ?? settings.defaultLagThresholdMs)));
      const query = request.query as Static<Q>;
      const key = cache?.keyOf(params, query);
      // the checkpoint asked for now is at or past the one the headers name: a kept answer is exact for both
      const looked = key === undefined ? undefined : cache!.answers.lookup<string>(cached, key, gate.checkpoint(cached));
      if (looked?.hit === true) return reply.type(jsonType).send(looked.answer);
      const answer = await handler({ params, query, freshness, request });
      if (answer === undefined) throw new NotFound(resource, lastParam(params) ?? request.url.split('?', 1)[0] ?? request.url);
      if (looked === undefined) return answer;
      // kept as sent: a hit costs no serializing either
      const payload = reply.serialize(answer);
      if (typeof payload !== 'string') return answer;
      looked.fill(payload);
      return reply.type(jsonType).send(payload);
    },
  });
}

function lastParam(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const last = Object.values(params).at(-1);
  return typeof last === 'string' ? last : undefined;
}
