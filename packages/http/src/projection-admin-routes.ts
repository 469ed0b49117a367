// Operator endpoints: pause, resume and rebuild a projection; list, retry and drop its dead letters.
import { Type } from '@sinclair/typebox';
import { NotFound, type ProjectionAdministration } from '@twofold/core';
import { errorResponseRef } from './error-response.js';
import type { HttpApp } from './http-app.js';

export interface ProjectionAdminRoutesOptions {
  readonly administration: Omit<ProjectionAdministration<unknown>, 'prepareGeneration' | 'retryDeadLetter' | 'finishDeadLetterRetry' | 'completeRebuild'>;
  /** The version of each projection in this code: a rebuild builds that version. */
  readonly versions: Readonly<Record<string, number>>;
}

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const Accepted = Type.Object({ projection: Type.String(), action: Type.String() });
const responses = { 202: Accepted, '4xx': errorResponseRef, '5xx': errorResponseRef };

export function projectionAdminRoutes(app: HttpApp, options: ProjectionAdminRoutesOptions): void {
  const { administration, versions } = options;
  const known = (name: string): number => {
    // an own property only: a name from the request such as `hasOwnProperty` is not a projection
    const version = Object.hasOwn(versions, name) ? versions[name] : undefined;
    if (version === undefined) throw new NotFound('projection', name);
    return version;
  };
  /** The projection the request names, when this code knows it; else NotFound (404). */
  const projectionOf = (request: { readonly params: unknown }): string => {
    const { name } = request.params as { name: string };
    known(name);
    return name;
  };
  const action = (verb: string, summary: string, run: (name: string) => Promise<unknown>) =>
    app.post(
      `/api/projections/:name/${verb}`,
      { schema: { tags: ['projections'], summary, params: NameParams, response: responses } },
      async (request, reply) => {
        const name = projectionOf(request);
        await run(name);
        return reply.code(202).send({ projection: name, action: verb });
      },
    );

  action('rebuild', 'Rebuild a read model beside the live one; readers switch when it has caught up', (name) =>
    administration.requestRebuild(name, known(name)),
  );
  action('pause', 'Stop applying events until resumed (lag grows; queries keep answering)', (name) => administration.setPaused(name, true));
  action('resume', 'Resume a paused (or stopped-on-poison) projection', (name) => administration.setPaused(name, false));
  action('dead-letters/retry', 'Apply the parked events again, in order (after a fix)', (name) => administration.requestDeadLetterRetry(name));

  app.get(
    '/api/projections/:name/dead-letters',
    { schema: { tags: ['projections'], summary: 'Events parked because the projection could not apply them', params: NameParams } },
    async (request) => {
      const name = projectionOf(request);
      const letters = await administration.readDeadLetters(name);
      return {
        projection: name,
        deadLetters: letters.map((l) => ({
          id: l.id,
          error: l.error,
          parkedAt: l.parkedAt.toISOString(),
          event: { type: l.event.type, streamId: l.event.streamId, streamVersion: l.event.streamVersion, globalPosition: l.event.globalPosition, data: l.event.data },
        })),
      };
    },
  );
  app.delete(
    '/api/projections/:name/dead-letters',
    { schema: { tags: ['projections'], summary: 'Drop parked events for good (they stay in the event store)', params: NameParams } },
    async (request) => {
      const name = projectionOf(request);
      return { projection: name, dropped: await administration.dropDeadLetters(name) };
    },
  );
}
