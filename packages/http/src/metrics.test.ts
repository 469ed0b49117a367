// /metrics: valid exposition format (checked by an independent parser) carrying lag, delay, latency and holdback.
import { createConsistencyGate, createProjectionDaemon, inMemoryEventStore, inMemoryProjectionStore, type InMemoryReadModel, type ProjectionDefinition } from '@twofold/core';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { commandRoute } from './command-route.js';
import { createHttpApp } from './create-http-app.js';
import type { HttpApp } from './http-app.js';
import { metricsRoutes } from './metrics.js';
import { queryRoute } from './query-route.js';

const counting: ProjectionDefinition<InMemoryReadModel> = { name: 'counts', version: 1, handles: ['Happened'], apply: async (events, m) => void m.set('n', events.length) };

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('GET /metrics', () => {
  it('is valid Prometheus text with projection, command, query and holdback metrics', async () => {
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const eventStore = inMemoryEventStore({ now: () => new Date(clock) });
    const projectionStore = inMemoryProjectionStore();
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [counting], pollIntervalMs: 5 });
    const app: HttpApp = await createHttpApp({ consistencyGate: createConsistencyGate({ eventStore, projectionStore }) });
    close = async () => {
      await daemon.stop();
      await app.close();
    };
    metricsRoutes(app, {
      eventStore,
      projectionStore,
      daemon,
      processMetrics: false,
      lagThresholdsMs: { counts: 1_000 },
      highWaterMark: async () => ({
        oldestOpenTransactionAgeMs: 1_500,
        eventsCommittedButInvisible: 4,
        holder: { pid: 4242, applicationName: 'twofold projector', state: 'idle in transaction' },
      }),
    });
    commandRoute(app, {
      url: '/happen',
      schema: { body: Type.Object({ fail: Type.Boolean() }) },
      summary: 'test',
      operationId: 'happen',
      handler: async ({ body }) => {
        if (body.fail) throw new Error('boom');
        return eventStore.appendToStream('s', [{ type: 'Happened', data: {} }], { expectedVersion: 'any' });
      },
    });
    queryRoute(app, { url: '/count', projections: ['counts'], summary: 'test', handler: async () => ({ ok: true }) });

    daemon.start();
    expect((await app.inject({ method: 'POST', url: '/happen', payload: { fail: false } })).statusCode).toBe(202);
    expect((await app.inject({ method: 'POST', url: '/happen', payload: { fail: 'no' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/count', headers: { 'x-min-position': '1' } })).statusCode).toBe(200);
    daemon.stop();
    await daemon.stop();
    // two more events, 3 s later, that nothing applies: lag 3 s, above the 1 s threshold
    clock += 3_000;
    await eventStore.appendToStream('s', [{ type: 'Happened', data: {} }], { expectedVersion: 'any' });
    await eventStore.appendToStream('s', [{ type: 'Happened', data: {} }], { expectedVersion: 'any' });

    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheusTextFormat(response.body).map((f) => [f.name, f]));
    // the parser drops the labels of histogram samples whose `le` comes first (as prom-client writes them): read _count lines
    const count = (name: string, labels: string) => new RegExp(`^${name}_count\\{${labels}\\} (\\S+)$`, 'm').exec(response.body)?.[1];
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

    expect(value('twofold_projection_lag_events', { projection: 'counts' })?.value).toBe('2');
    expect(value('twofold_projection_lag_seconds', { projection: 'counts' })?.value).toBe('3');
    expect(value('twofold_projection_delayed', { projection: 'counts' })?.value).toBe('1');
    expect(value('twofold_projection_dead_letters', { projection: 'counts' })?.value).toBe('0');
    expect(value('twofold_projection_events_applied_total', { projection: 'counts' })?.value).toBe('1');
    expect(families.get('twofold_projection_propagation_seconds')?.type).toBe('HISTOGRAM');
    expect(count('twofold_projection_propagation_seconds', 'projection="counts"')).toBe('1');
    expect(families.get('twofold_command_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(count('twofold_command_duration_seconds', 'command="happen",outcome="accepted"')).toBe('1');
    expect(count('twofold_command_duration_seconds', 'command="happen",outcome="invalid"')).toBe('1');
    expect(count('twofold_query_duration_seconds', 'route="/count",status="200"')).toBe('1');
    expect(value('twofold_readers_held_back_seconds')?.value).toBe('1.5');
    expect(value('twofold_events_committed_invisible')?.value).toBe('4');
    // the cause, named: which backend holds readers back, and that it sits idle in its transaction
    expect(value('twofold_readers_held_back_by_seconds', { pid: '4242', application_name: 'twofold projector', state: 'idle in transaction' })?.value).toBe('1.5');
  });

  it('reports the command processor’s totals, growing between scrapes', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const app: HttpApp = await createHttpApp({ consistencyGate: createConsistencyGate({ eventStore, projectionStore }) });
    close = () => app.close();
    const counters = { commands: 3, batches: 2, conflicts: 1, cacheHits: 5, cacheMisses: 4, eventsRead: 40, snapshotsRead: 1, snapshotsWritten: 2 };
    metricsRoutes(app, { eventStore, projectionStore, processMetrics: false, commands: { counters } });
    const scrape = async (name: string) => {
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      return parsePrometheusTextFormat(body).find((f) => f.name === name)?.metrics[0]?.value;
    };
    expect(await scrape('twofold_command_batches_total')).toBe('2');
    expect(await scrape('twofold_stream_events_read_total')).toBe('40');
    counters.batches = 7;
    expect(await scrape('twofold_command_batches_total')).toBe('7');
    expect(await scrape('twofold_command_conflicts_total')).toBe('1');
  });
});
