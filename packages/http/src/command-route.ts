// commandRoute: declares a command endpoint that answers 202 with the correlation id and the consistency token.
import { Type, type Static, type TObject, type TSchema, type TUnknown } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { CommandRejected, IdempotencyKeyUsed, InvalidCommand, OutcomeUnknown, sleep, type AppendResult, type CommandMetadata, type IdempotencyEntry, type IdempotencyStore } from '@twofold/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorResponseRef } from './error-response.js';
import { settingsOf, type HttpApp } from './http-app.js';
import { apiKeyOf } from './route-access.js';
import { idempotencyKeyHeader, idempotencyKeyOf, requestHashOf } from './idempotency-key.js';
import { operationDocs, type OperationDocs } from './operation-docs.js';

/** The 202 body of every command. */
export const CommandAccepted = Type.Object(
  {
    correlationId: Type.String({ description: 'from X-Correlation-Id when well formed, else generated' }),
    streamId: Type.String({ description: 'the primary stream the command wrote to' }),
    streamVersion: Type.Integer({ minimum: 0, description: 'that stream’s version after the command' }),
    position: Type.Integer({ minimum: 0, description: 'the consistency token: send it as X-Min-Position to read your write' }),
  },
  {
    description: 'Accepted: the events are stored; read models follow.',
    headers: {
      'X-Position': { type: 'integer', description: 'the consistency token, as in the body' },
      'X-Correlation-Id': { type: 'string', description: 'the correlation id, as in the body' },
    },
  },
);
export type CommandAccepted = Static<typeof CommandAccepted>;

/** What a command handler returns: the append result, and optionally which stream is the primary one (default: the first). */
export type CommandOutcome = AppendResult & { readonly streamId?: string };

export interface CommandInput<Params, Body> {
  readonly params: Params;
  readonly body: Body;
  /** `now` from the app's clock, `correlationId` from the request. */
  readonly metadata: CommandMetadata;
  readonly request: FastifyRequest;
}

export interface CommandRouteOptions<P extends TSchema, B extends TSchema> extends OperationDocs {
  /** Default POST. */
  readonly method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly schema?: { readonly params?: P; readonly body?: B };
  /** Validated input in, the append result out; throws core errors (the error table gives their status). */
  readonly handler: (input: CommandInput<Static<P>, Static<B>>) => Promise<CommandOutcome>;
}

/** Documents the optional request headers on every command. */
const CommandHeaders = Type.Object({
  'x-correlation-id': Type.Optional(Type.String({ description: 'a UUID or a token of [A-Za-z0-9._:-], at most 64; otherwise one is generated' })),
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        '1 to 200 printable ASCII characters, unique per intended command (e.g. a UUID). A retry with the same key and the same ' +
        'request is answered with the first answer (same status, body and X-Position) and appends nothing; the same key with ' +
        'another request is 422. Keys are scoped to the route and kept 24 h.',
    }),
  ),
});

/** How long a retry waits for the first request of its key to record its answer before rebuilding it from the key's row. */
const recordWaitMs = 1_000;

/** A request's idempotency key, with the store that keeps it and the hash of what was asked. */
interface Keyed {
  readonly store: IdempotencyStore;
  readonly key: string;
  readonly requestHash: string;
}

/** Answers a retry with the answer of the command that holds its key. */
async function replay(reply: FastifyReply, scope: string, keyed: Keyed, first: IdempotencyEntry): Promise<FastifyReply> {
  if (first.requestHash !== keyed.requestHash) {
    throw new CommandRejected('idempotency_key_reused', 'this Idempotency-Key was used with a different request: use a new key for a new command', {
      header: 'Idempotency-Key',
    });
  }
  let entry = first;
  // the first request committed and is recording its answer: wait for it briefly
  for (const deadline = Date.now() + recordWaitMs; entry.response === undefined && Date.now() < deadline; ) {
    await sleep(20);
    entry = (await keyed.store.find(scope, keyed.key)) ?? entry;
  }
  const response = entry.response ?? {
    status: 202,
    body: { correlationId: entry.correlationId, streamId: entry.streamId, streamVersion: entry.streamVersion, position: entry.position } satisfies CommandAccepted,
    position: entry.position,
  };
  return reply.code(response.status).header('x-position', String(response.position)).header('idempotent-replayed', 'true').send(response.body);
}

/** Declares a command endpoint: validates params and body, runs the handler, answers 202 `{ correlationId, streamId, streamVersion, position }` with `X-Position`. */
export function commandRoute<P extends TSchema = TObject<Record<never, never>>, B extends TSchema = TUnknown>(
  app: HttpApp,
  options: CommandRouteOptions<P, B>,
): void {
  const { method = 'POST', url, schema = {}, handler } = options;
  const { now, idempotencyStore } = settingsOf(app);
  const scope = `${method} ${url}`;
  app.route({
    method,
    url,
    schema: {
      ...operationDocs(options),
      headers: CommandHeaders,
      ...(schema.params === undefined ? {} : { params: schema.params }),
      ...(schema.body === undefined ? {} : { body: schema.body }),
      response: { 202: CommandAccepted, '4xx': errorResponseRef, '5xx': errorResponseRef },
    },
    async handler(request, reply) {
      const key = idempotencyKeyOf(request.headers[idempotencyKeyHeader]);
      const requestHash = key === undefined ? undefined : requestHashOf(request.params, request.body);
      if (key !== undefined && idempotencyStore === undefined) {
        throw new InvalidCommand('this server does not keep idempotency keys', { header: 'Idempotency-Key' });
      }
      const keyed = key === undefined ? undefined : { store: idempotencyStore!, key, requestHash: requestHash! };
      if (keyed !== undefined) {
        const entry = await keyed.store.find(scope, keyed.key);
        if (entry !== undefined) return replay(reply, scope, keyed, entry);
      }
      // with auth on, the events record which key asked (its position in the list, never the key)
      const apiKey = apiKeyOf(request);
      const metadata: CommandMetadata = {
        now: now(),
        correlationId: request.id,
        commandId: randomUUID(),
        ...(apiKey === undefined ? {} : { actor: apiKey.id }),
        ...(keyed === undefined ? {} : { idempotency: { scope, key: keyed.key, requestHash: keyed.requestHash } }),
      };
      let outcome: CommandOutcome;
      try {
        outcome = await handler({ params: request.params as Static<P>, body: request.body as Static<B>, metadata, request });
      } catch (error) {
        // with a key, a retry after an unknown outcome is applied at most once: the answer may invite it
        if (keyed !== undefined && error instanceof OutcomeUnknown) throw new OutcomeUnknown(error.commandId, { cause: error.cause, retrySafe: true });
        // a retry that ran while the first of its key committed: the first one's answer is the answer
        if (keyed === undefined || !(error instanceof IdempotencyKeyUsed)) throw error;
        const entry = await keyed.store.find(scope, keyed.key);
        if (entry === undefined) throw error;
        return replay(reply, scope, keyed, entry);
      }
      const primary = outcome.streamId === undefined ? outcome.streams[0] : outcome.streams.find((s) => s.streamId === outcome.streamId);
      if (primary === undefined) {
        throw new Error(`command ${method} ${url} returned no result for stream ${outcome.streamId ?? '(first)'}`);
      }
      const accepted: CommandAccepted = {
        correlationId: request.id,
        streamId: primary.streamId,
        streamVersion: primary.streamVersion,
        position: outcome.position,
      };
      if (keyed !== undefined) {
        // without it a retry rebuilds the answer from the key's row; a command that appended nothing holds no key (a no-op)
        await keyed.store.recordResponse(scope, keyed.key, { status: 202, body: accepted, position: outcome.position }).catch((error: unknown) => {
          request.log.warn({ err: error }, 'could not record the answer of an idempotent command');
        });
      }
      return reply.code(202).header('x-position', String(outcome.position)).send(accepted);
    },
  });
}
