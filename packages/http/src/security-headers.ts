// Headers on every answer that keep a browser from sniffing, framing or leaking what the API and its dashboard serve.
import type { HttpApp } from './http-app.js';

/**
 * Scripts, styles, images, fonts and connections (fetch, SSE) from this origin only; no plugins, no inline code,
 * no framing by any page.
 */
export const contentSecurityPolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const securityHeaders: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': contentSecurityPolicy,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Sets the headers on every reply, errors and 404s included (a route may still set its own before sending). */
export function installSecurityHeaders(app: HttpApp): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
}
