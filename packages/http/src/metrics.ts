// Prometheus metrics: projection lag and propagation delay, events applied, command and query latency, what holds the log's high-water mark back.
import type { CommandProcessor, EventStore, ProjectionDaemon, ProjectionStore } from '@twofold/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpApp } from './http-app.js';
import { projectionOverview } from './projection-overview.js';

export interface HighWaterMarkReading {
  readonly oldestOpenTransactionAgeMs: number;
  readonly eventsCommittedButInvisible: number;
  /** Who holds the oldest open transaction (pg_stat_activity), when one does. */
  readonly holder?: { readonly pid: number | undefined; readonly applicationName: string | undefined; readonly state: string | undefined } | undefined;
}

export interface MetricsOptions {
  readonly eventStore: Pick<EventStore, 'head'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints'>;
  /** This process's daemon: its batches feed the propagation histogram and the applied counter. */
  readonly daemon?: Pick<ProjectionDaemon, 'onProgress' | 'statuses'>;
  /** How far the oldest open transaction holds log readers back (PostgreSQL's highWaterMark). */
  readonly highWaterMark?: () => Promise<HighWaterMarkReading>;
  readonly lagThresholdsMs?: Readonly<Record<string, number>>;
  /** This process's command processor: batches, conflicts, state cache hits and the events folded. */
  readonly commands?: Pick<CommandProcessor, 'counters'>;
  readonly registry?: Registry;
  /** Node's own process metrics (CPU, memory, event loop lag); default true. */
  readonly processMetrics?: boolean;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const outcomeOf = (status: number): string =>
  status < 300 ? 'accepted' : status === 409 ? 'conflict' : status === 422 ? 'rejected' : status === 503 ? 'unavailable' : status < 500 ? 'invalid' : 'error';

/** Times commands and queries over HTTP, by command and outcome or by route and status. */
function httpTimingMetrics(app: HttpApp, registry: Registry): void {
  const commandSeconds = new Histogram({
    name: 'twofold_command_duration_seconds',
    help: 'Time to handle a command over HTTP, by command and outcome (accepted, conflict, rejected, invalid, unavailable, error)',
    labelNames: ['command', 'outcome'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const querySeconds = new Histogram({
    name: 'twofold_query_duration_seconds',
    help: 'Time to answer a query over HTTP, including any read-your-writes wait, by route',
    labelNames: ['route', 'status'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || route === '/metrics') return;
    const seconds = reply.elapsedTime / 1000;
    if (request.method === 'GET') querySeconds.observe({ route, status: String(reply.statusCode) }, seconds);
    else commandSeconds.observe({ command: request.routeOptions.schema?.operationId ?? `${request.method} ${route}`, outcome: outcomeOf(reply.statusCode) }, seconds);
  });
}

/** Feeds the propagation histogram and the applied counter from this process's daemon's live batches. */
function daemonMetrics(registry: Registry, daemon: Pick<ProjectionDaemon, 'onProgress'> | undefined): void {
  const propagationSeconds = new Histogram({
    name: 'twofold_projection_propagation_seconds',
    help: 'Delay from an event being committed to its projection committing it, by projection',
    labelNames: ['projection'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'twofold_projection_events_applied_total',
    help: 'Events applied by the projections of this process (rate() gives events/s)',
    labelNames: ['projection'],
    registers: [registry],
  });
  daemon?.onProgress((batch) => {
    if (!batch.live) return;
    applied.inc({ projection: batch.name }, batch.applied.length);
    const committed = batch.committedAt.getTime();
    for (const event of batch.applied) propagationSeconds.observe({ projection: batch.name }, Math.max(0, committed - event.recordedAt.getTime()) / 1000);
  });
}

type ProjectionRow = ReturnType<typeof projectionOverview>[number];

/** The per-projection gauges, read at scrape time from the stored checkpoints, so any process reports every projection. */
function projectionGauges(registry: Registry): (overview: readonly ProjectionRow[]) => void {
  const lagEvents = new Gauge({ name: 'twofold_projection_lag_events', help: 'Events between the head of the log and the checkpoint', labelNames: ['projection'], registers: [registry] });
  const lagSeconds = new Gauge({
    name: 'twofold_projection_lag_seconds',
    help: 'Commit time of the head minus commit time of the checkpoint',
    labelNames: ['projection'],
    registers: [registry],
  });
  const delayed = new Gauge({ name: 'twofold_projection_delayed', help: '1 when the lag is above the projection’s threshold', labelNames: ['projection'], registers: [registry] });
  const deadLetters = new Gauge({ name: 'twofold_projection_dead_letters', help: 'Events parked as dead letters', labelNames: ['projection'], registers: [registry] });
  return (overview) => {
    for (const projection of overview) {
      const labels = { projection: projection.name };
      lagEvents.set(labels, projection.lagEvents);
      lagSeconds.set(labels, projection.lagMs / 1000);
      delayed.set(labels, projection.lagMs > projection.lagThresholdMs ? 1 : 0);
      deadLetters.set(labels, projection.deadLetters);
    }
  };
}

/** The gauges of what holds the log's high-water mark back. */
function highWaterMarkGauges(registry: Registry): (reading: HighWaterMarkReading) => void {
  const heldBackSeconds = new Gauge({
    name: 'twofold_readers_held_back_seconds',
    help: 'Age of the oldest open transaction on the server: log readers see nothing committed after it began',
    registers: [registry],
  });
  const heldBackBy = new Gauge({
    name: 'twofold_readers_held_back_by_seconds',
    help: 'Age of the oldest open transaction, labelled with who holds it (server pid, application_name, state such as "idle in transaction"); no series when none is open',
    labelNames: ['pid', 'application_name', 'state'],
    registers: [registry],
  });
  const invisibleEvents = new Gauge({
    name: 'twofold_events_committed_invisible',
    help: 'Committed events that readers cannot see yet because an older transaction is still open',
    registers: [registry],
  });
  return (holdback) => {
    heldBackSeconds.set(holdback.oldestOpenTransactionAgeMs / 1000);
    heldBackBy.reset();
    const { holder } = holdback;
    if (holder !== undefined) {
      heldBackBy.set(
        { pid: holder.pid === undefined ? '' : String(holder.pid), application_name: holder.applicationName ?? '', state: holder.state ?? '' },
        holdback.oldestOpenTransactionAgeMs / 1000,
      );
    }
    invisibleEvents.set(holdback.eventsCommittedButInvisible);
  };
}

/** Registers `GET /metrics` and the hooks that time commands and queries. Call it before declaring the app's routes. */
export function metricsRoutes(app: HttpApp, options: MetricsOptions): Registry {
  const { eventStore, projectionStore, daemon, highWaterMark, lagThresholdsMs = {}, commands, registry = new Registry(), processMetrics = true } = options;
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'twofold_' });
  if (commands !== undefined) commandProcessorMetrics(registry, commands);
  httpTimingMetrics(app, registry);
  daemonMetrics(registry, daemon);
  const setProjectionGauges = projectionGauges(registry);
  const setHighWaterMarkGauges = highWaterMarkGauges(registry);

  async function refresh(): Promise<void> {
    const [checkpoints, head, holdback] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head(), highWaterMark?.()]);
    setProjectionGauges(projectionOverview({ checkpoints, head, runners: daemon?.statuses() ?? [], firstEventAt: undefined, lagThresholdsMs }));
    if (holdback !== undefined) setHighWaterMarkGauges(holdback);
  }

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    await refresh();
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  return registry;
}

/** The command processor's running totals as Prometheus counters, read at scrape time. */
function commandProcessorMetrics(registry: Registry, { counters }: Pick<CommandProcessor, 'counters'>): void {
  const totals: [name: string, help: string, read: () => number][] = [
    ['twofold_commands_decided_total', 'Commands decided and answered by this process’s command processor', () => counters.commands],
    ['twofold_command_batches_total', 'Batches of commands decided together and appended in one statement (commands ÷ batches: the group size)', () => counters.batches],
    ['twofold_command_conflicts_total', 'Appends refused because another writer moved a stream first; each reloads that stream’s tail', () => counters.conflicts],
    ['twofold_state_cache_hits_total', 'Stream states found in the write side’s cache', () => counters.cacheHits],
    ['twofold_state_cache_misses_total', 'Stream states not cached: loaded from a snapshot and the log, or taken as new', () => counters.cacheMisses],
    ['twofold_stream_events_read_total', 'Events read from the log to fold write-side states', () => counters.eventsRead],
    ['twofold_snapshots_read_total', 'Snapshots a load started from', () => counters.snapshotsRead],
    ['twofold_snapshots_written_total', 'Snapshots stored', () => counters.snapshotsWritten],
  ];
  for (const [name, help, read] of totals) {
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const current = read();
        this.inc(current - reported);
        reported = current;
      },
    });
  }
}
