// Closing the app: readiness and new requests answer 503 at once, requests in flight finish, stragglers are cut at a deadline.
import type { HttpApp } from './http-app.js';
import { sendHttpError } from './http-error.js';

export interface ShutdownOptions {
  /** How long `close()` waits for requests in flight before closing their connections (default 5,000 ms). */
  readonly graceMs?: number;
}

/**
 * From the moment `app.close()` is called: every new request (a readiness probe included) answers 503
 * `shutting_down` with `Retry-After`, every answer carries `Connection: close` so keep-alive connections end, and
 * requests already running finish; after `graceMs` the connections still open (a long wait, an event stream) are closed.
 */
export function installShutdown(app: HttpApp, options: ShutdownOptions = {}): { readonly closing: () => boolean } {
  const { graceMs = 5_000 } = options;
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
    timer.unref();
    app.server.once('close', () => clearTimeout(timer));
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    sendHttpError(request, reply, {
      status: 503,
      code: 'shutting_down',
      message: 'the server is shutting down: send the request again, to another instance or after a restart',
      headers: { 'retry-after': '1', connection: 'close' },
    });
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  return { closing: () => closing };
}
