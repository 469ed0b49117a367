// GET /api/streams/:id: the full event history of one stream, for audit.
import { Type, type Static } from '@sinclair/typebox';
import { NotFound, type EventStore } from '@twofold/core';
import { errorResponseRef } from './error-response.js';
import type { HttpApp } from './http-app.js';

export interface StreamRoutesOptions {
  readonly eventStore: Pick<EventStore, 'readStream'>;
}

const RecordedEvent = Type.Object({
  type: Type.String(),
  data: Type.Unknown(),
  metadata: Type.Object({}, { additionalProperties: true }),
  streamVersion: Type.Integer({ minimum: 1 }),
  globalPosition: Type.Integer({ minimum: 1 }),
  eventId: Type.String(),
  recordedAt: Type.String({ format: 'date-time' }),
});

export const StreamHistory = Type.Object({
  streamId: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  events: Type.Array(RecordedEvent),
});
export type StreamHistory = Static<typeof StreamHistory>;

/** A stream id a store can hold: PostgreSQL refuses NUL and unpaired surrogates in text (Ajv matches with the `u` flag, so a pair is one character). */
const StreamId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000\\uD800-\\uDFFF]*$' });

export function streamRoutes(app: HttpApp, options: StreamRoutesOptions): void {
  const { eventStore } = options;
  app.get(
    '/api/streams/:id',
    {
      schema: {
        tags: ['audit'],
        summary: 'The full event history of one stream',
        params: Type.Object({ id: StreamId }),
        response: { 200: StreamHistory, '4xx': errorResponseRef, '5xx': errorResponseRef },
      },
    },
    async (request): Promise<StreamHistory> => {
      const streamId = request.params.id;
      const events = await eventStore.readStream(streamId);
      const last = events.at(-1);
      if (last === undefined) throw new NotFound('stream', streamId);
      return {
        streamId,
        version: last.streamVersion,
        events: events.map((event) => ({
          type: event.type,
          data: event.data,
          metadata: { ...event.metadata },
          streamVersion: event.streamVersion,
          globalPosition: event.globalPosition,
          eventId: event.eventId,
          recordedAt: event.recordedAt.toISOString(),
        })),
      };
    },
  );
}
