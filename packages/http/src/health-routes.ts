// Health routes: GET /health/live (the process answers) and GET /health/ready (its stores answer too).
import { Type } from '@sinclair/typebox';
import { StoreUnavailable } from '@twofold/core';
import { errorResponseRef } from './error-response.js';
import type { HttpApp } from './http-app.js';
import type { ReadinessProbeConfig } from './shutdown.js';

export interface HealthRoutesOptions {
  /** Resolves when the app can serve (e.g. pings its stores); rejects or hangs otherwise. */
  readonly readinessCheck: () => Promise<void>;
  /** A check slower than this counts as not ready. */
  readonly readinessTimeoutMs?: number;
  /**
   * The open transaction holding log readers back, when one is (PostgreSQL): the ready answer names it, since
   * projections and token reads stall behind it though the process itself is fine.
   */
  readonly readersHeldBack?: () => ReadersHeldBack | undefined;
}

export interface ReadersHeldBack {
  readonly forMs: number;
  readonly pid: number | undefined;
  readonly applicationName: string | undefined;
  readonly state: string | undefined;
  readonly transactionStartedAt: Date | undefined;
}

const HeldBack = Type.Object(
  {
    forMs: Type.Number(),
    pid: Type.Optional(Type.Integer()),
    applicationName: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    transactionStartedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { description: 'The open transaction that hides newer events from every log reader: its server pid, application and state' },
);
const HealthStatus = Type.Object({ status: Type.Literal('ok'), readersHeldBack: Type.Optional(HeldBack) });

export function healthRoutes(app: HttpApp, options: HealthRoutesOptions): void {
  const { readinessCheck, readinessTimeoutMs = 2000, readersHeldBack } = options;
  const schema = (summary: string, notReady: boolean) => ({
    tags: ['health'],
    summary,
    response: { 200: HealthStatus, ...(notReady ? { 503: errorResponseRef } : {}) },
  });

  app.get('/health/live', { schema: schema('The process is up', false), logLevel: 'warn' }, async () => ({ status: 'ok' as const }));

  // readinessProbe: answers 503 as soon as the app starts closing (see installShutdown)
  const readiness: ReadinessProbeConfig = { readinessProbe: true };
  app.get('/health/ready', { schema: schema('The process and its stores can serve requests', true), logLevel: 'warn', config: readiness }, async (request) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`readiness check took longer than ${readinessTimeoutMs} ms`)), readinessTimeoutMs);
    });
    try {
      await Promise.race([readinessCheck(), timeout]);
    } catch (error) {
      // the cause is logged, not shown: it may name hosts or credentials
      request.log.warn({ err: error }, 'not ready');
      throw new StoreUnavailable('the service is not ready', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const heldBack = readersHeldBack?.();
    if (heldBack === undefined) return { status: 'ok' as const };
    return {
      status: 'ok' as const,
      readersHeldBack: {
        forMs: Math.round(heldBack.forMs),
        ...(heldBack.pid === undefined ? {} : { pid: heldBack.pid }),
        ...(heldBack.applicationName === undefined ? {} : { applicationName: heldBack.applicationName }),
        ...(heldBack.state === undefined ? {} : { state: heldBack.state }),
        ...(heldBack.transactionStartedAt === undefined ? {} : { transactionStartedAt: heldBack.transactionStartedAt.toISOString() }),
      },
    };
  });
}
