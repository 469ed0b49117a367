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
}

const HealthStatus = Type.Object({ status: Type.Literal('ok') });

export function healthRoutes(app: HttpApp, options: HealthRoutesOptions): void {
  const { readinessCheck, readinessTimeoutMs = 2000 } = options;
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
    return { status: 'ok' as const };
  });
}
