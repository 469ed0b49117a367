// Closing the app: readiness turns false, keep-alive ends, new requests answer 503, requests in flight finish, stragglers are cut.
import type { HttpApp } from './http-app.js';
import { sendHttpError } from './http-error.js';

export interface ShutdownOptions {
  /**
   * How long `close()` keeps serving before it stops listening (default 0): readiness probes already answer 503 and
   * every answer `Connection: close`, so load balancers and clients move on before connections are refused.
   */
  readonly drainMs?: number;
  /** How long requests in flight may then take before their connections are closed (default 5,000 ms). */
  readonly graceMs?: number;
}

/** A route with `config: { readinessProbe: true }` answers 503 from the moment the app starts closing. */
export interface ReadinessProbeConfig {
  readonly readinessProbe?: boolean;
}

/**
 * From `app.close()`: drain for `drainMs` (requests served, readiness 503, connections closed after each answer),
 * then stop listening; requests that still arrive on open connections answer 503 `shutting_down` with
 * `Retry-After`, requests in flight finish, and after `graceMs` the connections still open (a long wait, an event
 * stream) are closed.
 */
export function installShutdown(app: HttpApp, options: ShutdownOptions = {}): { readonly closing: () => boolean } {
  const { drainMs = 0, graceMs = 5_000 } = options;
  let phase: 'serving' | 'draining' | 'closing' = 'serving';
  app.addHook('preClose', async () => {
    phase = 'draining';
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    phase = 'closing';
    const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
    timer.unref();
    app.server.once('close', () => clearTimeout(timer));
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (phase === 'serving') return done();
    const readinessProbe = (request.routeOptions.config as ReadinessProbeConfig | undefined)?.readinessProbe === true;
    if (phase === 'draining' && !readinessProbe) return done();
    sendHttpError(request, reply, {
      status: 503,
      code: 'shutting_down',
      message: 'the server is shutting down: send the request again, to another instance or after a restart',
      headers: { 'retry-after': '1', connection: 'close' },
    });
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (phase !== 'serving') reply.header('connection', 'close');
    done(null, payload);
  });
  return { closing: () => phase !== 'serving' };
}
