// A request answered before its body was read (413, 401, 429) keeps its connection until the body is in, within bounds.
import type { IncomingMessage } from 'node:http';
import type { HttpApp } from './http-app.js';

export interface UnreadBodyOptions {
  /** The most body bytes read and dropped after an early answer (default 8 MiB); past it the connection is closed. */
  readonly maxBytes?: number;
  /** The longest the rest of the body may take to arrive (default 5 s); then the connection is closed. */
  readonly maxMs?: number;
  /** True once the app closes: then connections close after their answer, read or not. */
  readonly closing?: () => boolean;
}

/**
 * Fastify closes the connection after answering a request whose body it did not read (too large, or refused before
 * parsing); closing while the client still writes makes its socket fail (EPIPE or a reset), so a client such as
 * Node's fetch never sees the answer. Instead the answer goes out on a connection kept open, the rest of the body is
 * read and dropped, and the connection is closed only when the body is larger or slower than the bounds.
 */
export function installUnreadBodyDrain(app: HttpApp, options: UnreadBodyOptions = {}): void {
  const { maxBytes = 8 * 2 ** 20, maxMs = 5_000, closing = () => false } = options;
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // a request without a body is not complete yet when answered at once (its end is parsed after its headers)
    const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
    if (hasBody && !raw.complete && !raw.destroyed && !closing()) {
      reply.removeHeader('connection');
      drain(raw, maxBytes, maxMs);
    }
    done(null, payload);
  });
}

function drain(raw: IncomingMessage, maxBytes: number, maxMs: number): void {
  let bytes = 0;
  const stop = (): void => {
    clearTimeout(timer);
    raw.off('data', onData);
    // through the message, which ends its socket: an injected request (tests) has a socket without destroy()
    raw.destroy();
  };
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > maxBytes) stop();
  };
  const timer = setTimeout(stop, maxMs);
  timer.unref();
  raw.on('data', onData);
  raw.once('end', () => {
    clearTimeout(timer);
    raw.off('data', onData);
  });
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}
