// The Fastify instance type Twofold routes are declared on, and the settings createHttpApp attaches to it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ConsistencyGate, IdempotencyStore } from '@twofold/core';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

/** A Fastify instance with the TypeBox type provider, as createHttpApp returns it (or any scope registered inside it). */
export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What the route helpers read from the app they are declared on. */
export interface HttpAppSettings {
  /** Lag above which a read model is delayed, by projection name; queries then answer `X-Projection-Delayed: true`. */
  readonly lagThresholdsMs: Readonly<Record<string, number>>;
  readonly defaultLagThresholdMs: number;
  /** Read-your-writes for query routes; query routes cannot be declared without one. */
  readonly consistencyGate: ConsistencyGate | undefined;
  /** How long a query waits for `X-Min-Position` when `X-Wait-Ms` is absent. */
  readonly defaultWaitMs: number;
  /** The largest `X-Wait-Ms` accepted. */
  readonly maxWaitMs: number;
  /** The clock commands are stamped with. */
  readonly now: () => Date;
  /** Where command routes find the keys of `Idempotency-Key` requests; without one such requests are a 400. */
  readonly idempotencyStore: IdempotencyStore | undefined;
}

const settingsKey = 'twofoldHttp';

export function attachSettings(app: HttpApp, settings: HttpAppSettings): void {
  app.decorate(settingsKey, settings);
}

/** The settings of an app made by createHttpApp; throws when the app was made otherwise. */
export function settingsOf(app: HttpApp): HttpAppSettings {
  if (!app.hasDecorator(settingsKey)) throw new Error('Twofold routes must be declared on an app made by createHttpApp');
  return app.getDecorator<HttpAppSettings>(settingsKey);
}
