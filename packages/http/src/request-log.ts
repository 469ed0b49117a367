// One log line per answered request, at a level that keeps a busy server's log (and its CPU) for what matters.
import type { HttpApp } from './http-app.js';

/**
 * pino `redact` paths for a logger given to createHttpApp: credentials in a logged request, response or error are
 * written as [Redacted]. The request log itself logs no headers (method, URL, status, time), and keys never travel in URLs.
 */
export const logRedactions: readonly string[] = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'err.*.headers.authorization',
];

export interface RequestLogOptions {
  /** A request answered after this long is logged at warn whatever its status (default 1,000 ms). */
  readonly slowMs?: number;
}

/** The level of a request's line: slow → warn, 5xx → error, 4xx → info, the rest (the bulk of the traffic) → debug. */
export function requestLogLevel(statusCode: number, elapsedMs: number, slowMs: number): 'warn' | 'error' | 'info' | 'debug' {
  if (elapsedMs >= slowMs) return 'warn';
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'info';
  return 'debug';
}

/**
 * Replaces Fastify's two info lines per request ("incoming request", "request completed": at thousands of reads a
 * second, writing them was a third of the server's CPU) with one line when the request is answered.
 */
export function installRequestLog(app: HttpApp, options: RequestLogOptions = {}): void {
  const { slowMs = 1_000 } = options;
  app.addHook('onResponse', (request, reply, done) => {
    const elapsedMs = reply.elapsedTime;
    const level = requestLogLevel(reply.statusCode, elapsedMs, slowMs);
    // pino's loggers say whether a level is on; building the line for a level that is off is the cost to avoid
    const enabled = (request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) ?? true;
    if (enabled) {
      request.log[level]({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(elapsedMs * 10) / 10 }, 'request answered');
    }
    done();
  });
}
