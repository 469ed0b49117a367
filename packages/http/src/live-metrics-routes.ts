// GET /api/live: server-sent events, one `metrics` event a second: each projection's status and lag, commands/s, events/s.
import { logStart, type CommandProcessor, type EventStore, type ProjectionDaemon, type ProjectionStore } from '@twofold/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { HttpApp } from './http-app.js';
import { projectionOverview } from './projection-overview.js';

export interface LiveMetricsRoutesOptions {
  readonly eventStore: Pick<EventStore, 'head' | 'readAll'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints'>;
  readonly daemon?: Pick<ProjectionDaemon, 'statuses'>;
  /** This process's command processor: commands/s counts the commands it decided. */
  readonly commands?: Pick<CommandProcessor, 'counters'>;
  readonly lagThresholdsMs?: Readonly<Record<string, number>>;
  readonly defaultLagThresholdMs?: number;
  /** Time between two events (default 1,000 ms). */
  readonly intervalMs?: number;
}

export interface LiveProjection {
  readonly name: string;
  readonly status: string;
  readonly position: number;
  readonly lagEvents: number;
  readonly lagMs: number;
  readonly lagThresholdMs: number;
  readonly delayed: boolean;
  readonly generation: number | null;
  /** The generation being built beside the live one, and how far it is behind the head. */
  readonly rebuild: { readonly generation: number; readonly position: number; readonly lagEvents: number } | null;
  readonly deadLetters: number;
}

export interface LiveMetrics {
  readonly at: string;
  readonly headPosition: number;
  readonly projections: readonly LiveProjection[];
  readonly commandsPerSecond: number;
  readonly eventsPerSecond: number;
}

type ProjectionRow = ReturnType<typeof projectionOverview>[number];

const toLiveProjection = (p: ProjectionRow): LiveProjection => ({
  name: p.name,
  status: p.status,
  position: p.position,
  lagEvents: p.lagEvents,
  lagMs: p.lagMs,
  lagThresholdMs: p.lagThresholdMs,
  delayed: p.lagMs > p.lagThresholdMs,
  generation: p.generation,
  rebuild: p.rebuild === null ? null : { generation: p.rebuild.generation, position: p.rebuild.position, lagEvents: p.rebuild.lagEvents },
  deadLetters: p.deadLetters,
});

const liveRouteOptions = {
  schema: {
    tags: ['projections'],
    summary: 'Server-sent events: `event: metrics` once a second with each projection’s status and lag, commands/s and events/s',
    response: {
      200: {
        description:
          'text/event-stream; each `data:` is JSON { at, headPosition, projections: [{ name, status, position, lagEvents, lagMs, lagThresholdMs, delayed, generation, rebuild, deadLetters }], commandsPerSecond, eventsPerSecond }',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
    },
  },
};

/** Takes the response over as an event stream and writes its headers; undefined for a HEAD, answered at once. */
function openEventStream(request: FastifyRequest, reply: FastifyReply): ServerResponse | undefined {
  // HEAD asks for the headers of the stream, not for the stream: answer them and end
  if (request.method === 'HEAD') {
    void reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').send('');
    return undefined;
  }
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-correlation-id': request.id,
  });
  // a reconnecting EventSource waits this long; the first sample follows at once
  response.write('retry: 2000\n\n');
  return response;
}

/**
 * Registers `GET /api/live`. One sampler serves every client: it runs only while someone listens, and each sample
 * (rates over the time since the last one) goes to all. Streams end when the client goes or the app closes.
 */
export function liveMetricsRoutes(app: HttpApp, options: LiveMetricsRoutesOptions): void {
  const { eventStore, projectionStore, daemon, commands, lagThresholdsMs = {}, defaultLagThresholdMs = 500, intervalMs = 1000 } = options;
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let previous: { readonly atMs: number; readonly head: number; readonly commands: number } | undefined;
  let firstEventAt: Date | undefined;

  async function sample(): Promise<LiveMetrics> {
    const [checkpoints, head] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head()]);
    // the lag of a projection that applied nothing is measured from the first event, read once
    if (firstEventAt === undefined && head !== undefined) firstEventAt = (await eventStore.readAll({ after: logStart, limit: 1 }))[0]?.recordedAt;
    const overview = projectionOverview({ checkpoints, head, runners: daemon?.statuses() ?? [], firstEventAt, lagThresholdsMs, defaultLagThresholdMs });
    const atMs = Date.now();
    const headPosition = head?.cursor.position ?? 0;
    const commandCount = commands?.counters.commands ?? 0;
    const seconds = previous === undefined ? 0 : (atMs - previous.atMs) / 1000;
    const rate = (now: number, before: number | undefined): number => (seconds > 0 && before !== undefined ? Math.max(0, Math.round(((now - before) / seconds) * 10) / 10) : 0);
    const metrics: LiveMetrics = {
      at: new Date(atMs).toISOString(),
      headPosition,
      projections: overview.map(toLiveProjection),
      commandsPerSecond: rate(commandCount, previous?.commands),
      eventsPerSecond: rate(headPosition, previous?.head),
    };
    previous = { atMs, head: headPosition, commands: commandCount };
    return metrics;
  }

  const broadcast = (text: string): void => {
    for (const client of clients) client.write(text);
  };
  async function tick(): Promise<void> {
    try {
      broadcast(`event: metrics\ndata: ${JSON.stringify(await sample())}\n\n`);
    } catch (error) {
      // a store that cannot answer this second is said, and the stream goes on
      broadcast(`event: problem\ndata: ${JSON.stringify({ message: error instanceof Error ? error.message : String(error) })}\n\n`);
    }
  }
  const stopSampling = (): void => {
    clearInterval(timer);
    timer = undefined;
    previous = undefined;
  };

  app.get('/api/live', liveRouteOptions, (request, reply) => {
    const response = openEventStream(request, reply);
    if (response === undefined) return;
    clients.add(response);
    const leave = (): void => {
      clients.delete(response);
      if (clients.size === 0) stopSampling();
    };
    request.raw.socket.once('close', leave);
    response.once('close', leave);
    if (timer === undefined) {
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    }
    void tick();
  });

  // before the server waits for open connections: an event stream never ends on its own
  app.addHook('preClose', (done) => {
    stopSampling();
    for (const client of clients) client.end();
    clients.clear();
    done();
  });
}
