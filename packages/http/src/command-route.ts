// commandRoute: declares a command endpoint that answers 202 with the correlation id and the consistency token.
import { Type, type Static, type TObject, type TSchema, type TUnknown } from '@sinclair/typebox';
import type { AppendResult, CommandMetadata } from '@twofold/core';
import type { FastifyRequest } from 'fastify';
import { errorResponseRef } from './error-response.js';
import { settingsOf, type HttpApp } from './http-app.js';
import { apiKeyOf } from './route-access.js';

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

export interface CommandRouteOptions<P extends TSchema, B extends TSchema> {
  /** Default POST. */
  readonly method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly schema?: { readonly params?: P; readonly body?: B };
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly operationId?: string;
  /** Validated input in, the append result out; throws core errors (the error table gives their status). */
  readonly handler: (input: CommandInput<Static<P>, Static<B>>) => Promise<CommandOutcome>;
}

/** Documents the optional request header on every command. */
const CommandHeaders = Type.Object({
  'x-correlation-id': Type.Optional(Type.String({ description: 'a UUID or a token of [A-Za-z0-9._:-], at most 64; otherwise one is generated' })),
});

/** Declares a command endpoint: validates params and body, runs the handler, answers 202 `{ correlationId, streamId, streamVersion, position }` with `X-Position`. */
export function commandRoute<P extends TSchema = TObject<Record<never, never>>, B extends TSchema = TUnknown>(
  app: HttpApp,
  options: CommandRouteOptions<P, B>,
): void {
  const { method = 'POST', url, schema = {}, summary, description, tags, operationId, handler } = options;
  const { now } = settingsOf(app);
  app.route({
    method,
    url,
    schema: {
      summary,
      ...(description === undefined ? {} : { description }),
      ...(tags === undefined ? {} : { tags }),
      ...(operationId === undefined ? {} : { operationId }),
      headers: CommandHeaders,
      ...(schema.params === undefined ? {} : { params: schema.params }),
      ...(schema.body === undefined ? {} : { body: schema.body }),
      response: { 202: CommandAccepted, '4xx': errorResponseRef, '5xx': errorResponseRef },
    },
    async handler(request, reply) {
      // with auth on, the events record which key asked (its position in the list, never the key)
      const key = apiKeyOf(request);
      const metadata: CommandMetadata = { now: now(), correlationId: request.id, ...(key === undefined ? {} : { actor: key.id }) };
      const outcome = await handler({ params: request.params as Static<P>, body: request.body as Static<B>, metadata, request });
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
      return reply.code(202).header('x-position', String(outcome.position)).send(accepted);
    },
  });
}
