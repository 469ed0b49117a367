// What a shop process is started with, and what it gives back.
import type { Worker } from 'node:worker_threads';
import type { Role } from '@twofold/cli';
import type { CommandProcessor, EventStore, Logger, ProjectionDaemon, ProjectionStore } from '@twofold/core';
import type { ApiKeyring, HttpApp, RateLimit } from '@twofold/http';
import type { JetStreamRelay, PartitionedProjector } from '@twofold/nats';
import type { PostgresClient, SqlSession } from '@twofold/postgres';
import type { FastifyBaseLogger } from 'fastify';
import type { PoolSizes, SessionTimeouts } from './backends/shop-clients.js';
import type { DemoSeeding } from './demo/seed-when-empty.js';

export interface ShopOptions {
  /** Write side: `pglite:DIR`, `pglite:memory`, `memory` (= pglite:memory) or `postgres://…`. */
  readonly store: string;
  /** Read models and checkpoints; default: the store. */
  readonly readStore?: string | undefined;
  /** `redis://…`: keep orders by id in Redis instead of the read store. */
  readonly kv?: string | undefined;
  /** Prefix of every Redis key the shop writes (default `twofold:`), so several deployments can share one Redis. */
  readonly kvKeyPrefix?: string | undefined;
  readonly roles?: ReadonlySet<Role>;
  /** `nats://host:port[,host:port…]`: the JetStream carrier; the relay role needs it. */
  readonly bus?: string | undefined;
  /** The relay's JetStream stream: replicas when it creates it (1; 3 in a cluster) and the fixed partition count (32). */
  readonly relay?: { readonly replicas?: number; readonly partitions?: number };
  readonly port?: number;
  readonly host?: string;
  /** pino-compatible; false for none. */
  readonly logger?: (FastifyBaseLogger & Logger) | false;
  /**
   * Projection daemon tuning. minBatchIntervalMs defaults to 50 ms on PGlite (one thread does everything: batches
   * of one append each starve the commands) and 5 ms on PostgreSQL, where it is the window of the read models read
   * right after a write (orderSummaries) and otherBatchIntervalMs (default 50 ms) that of the rest.
   */
  readonly daemon?: {
    readonly batchSize?: number;
    readonly pollIntervalMs?: number;
    readonly leaseRetryMs?: number;
    readonly minBatchIntervalMs?: number;
    readonly otherBatchIntervalMs?: number;
  };
  /** Write-side tuning: the state cache's bounds (default 10,000 streams, 64 MiB) and the largest batch (256). */
  readonly commands?: { readonly cacheEntries?: number; readonly cacheBytes?: number; readonly maxBatchSize?: number };
  /** How long an `Idempotency-Key` is remembered (default 24 h); older keys are deleted hourly. */
  readonly idempotencyKeyTtlMs?: number;
  /** How long a placed order waits for payment before it is cancelled (default 30 min; TWOFOLD_PAYMENT_WINDOW_MS). */
  readonly paymentWindowMs?: number;
  /**
   * Bounds on the command and projector sessions on a PostgreSQL server (default: 5 s idle in a transaction, 30 s
   * a statement), so a stalled process cannot hold back what every log reader sees for longer.
   */
  readonly timeouts?: Partial<SessionTimeouts>;
  /** A projection lease not renewed for this long expires and a standby takes it (default 5 s). */
  readonly leaseTtlMs?: number;
  /** Connections per role on a PostgreSQL server (default: commands 6, projector 6, reads 8); PGlite has one. */
  readonly pools?: Partial<PoolSizes>;
  /**
   * Run the projector in a worker thread, so a storm of requests cannot starve it (default: when this process
   * also serves requests, its store is a PostgreSQL server and the machine has more than one core). On PGlite it
   * cannot: the database lives on this thread.
   */
  readonly projectorThread?: boolean;
  /**
   * Orders by id kept in an exact answer cache, told of every batch this process's projector commits: at most this many
   * (default 10,000; 0: none). It serves only where the projector of orderSummaries runs in this process and reads go
   * to the store it commits to (not a standby).
   */
  readonly answerCacheEntries?: number;
  /** Called with each projector thread started: to watch it (or, in a test, to end it as a crash would). */
  readonly onProjectorThread?: (thread: Worker) => void;
  /** API keys with roles (`key1:reader,key2:writer,key3:admin`, or parsed); none: every route open (listen on loopback only). */
  readonly apiKeys?: ApiKeyring | string | undefined;
  /** Requests per second per key (per address without keys); default none. */
  readonly rateLimit?: RateLimit | undefined;
  /** HTTP limits: see createHttpApp (defaults 30 s to receive a request, no idle limit). */
  readonly requestTimeoutMs?: number | undefined;
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Closing: for `shutdownDrainMs` (default 0) requests are still served, but readiness answers 503 and every answer
   * closes its connection, so load balancers and clients move on; then requests in flight get `shutdownGraceMs`
   * (default 5 s) to finish.
   */
  readonly shutdownDrainMs?: number | undefined;
  readonly shutdownGraceMs?: number | undefined;
  /** The built dashboard (apps/dashboard/dist), served at `/`; none when absent. */
  readonly dashboardDir?: string;
  /**
   * Seed the demo shop through the command processor when the store has no events at all (default false: the CLI's
   * `serve` asks for it). Runs after the server listens, so the page shows the read models catching up.
   */
  readonly seed?: boolean | DemoSeeding;
}

export interface Shop {
  readonly url: string;
  readonly app: HttpApp;
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<SqlSession>;
  readonly readClient: PostgresClient;
  readonly daemon: ProjectionDaemon | undefined;
  /** The command processor, when this process takes commands. */
  readonly commands: CommandProcessor | undefined;
  /** The relay to JetStream, when this process has the relay role (active or standing by). */
  readonly relay: JetStreamRelay | undefined;
  /** This process's share of the partitioned read models, when it is a projector with a bus. */
  readonly partitionedProjector: PartitionedProjector | undefined;
  close(): Promise<void>;
}
