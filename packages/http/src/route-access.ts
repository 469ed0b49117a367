// Who may call which route: one table of `METHOD /url` → public | reader | writer | admin, enforced with API keys.
import { apiRoles, roleSatisfies, type ApiKeyIdentity, type ApiKeyring, type ApiRole } from './api-keys.js';
import type { HttpApp } from './http-app.js';
import { sendHttpError } from './http-error.js';

/** `public` needs no key (health probes); the roles need a key of that role or above. */
export type RouteAccess = 'public' | ApiRole;

/** Every route of an app, as `GET /api/orders/:id` (Fastify's URL pattern), to the access it needs. */
export type AccessTable = Readonly<Record<string, RouteAccess>>;

export interface AccessControlOptions {
  /** Must name every route the app declares (a route missing from it fails at declaration: nothing is open by accident). */
  readonly table: AccessTable;
  /** With no keys, auth is off and every route is open (then listen on loopback only). */
  readonly apiKeys: ApiKeyring;
}

/** What routes outside the table (unknown URLs, answered 404) need: a key, so a caller without one learns nothing. */
const unknownRouteAccess: RouteAccess = 'reader';

export const routeKey = (method: string, url: string): string => `${method.toUpperCase()} ${url}`;

/** The table's entry for a route; HEAD routes Fastify adds beside GET ones share their GET's entry. */
export function accessOf(table: AccessTable, method: string, url: string): RouteAccess | undefined {
  const key = routeKey(method, url);
  if (Object.hasOwn(table, key)) return table[key];
  const get = routeKey('GET', url);
  return method.toUpperCase() === 'HEAD' && Object.hasOwn(table, get) ? table[get] : undefined;
}

const requestKeys = new WeakMap<object, ApiKeyIdentity>();

/** The key a request was authenticated with (its id and role, never the key), when auth is on. */
export function apiKeyOf(request: object): ApiKeyIdentity | undefined {
  return requestKeys.get(request);
}

/** The bearer token of an Authorization header, or undefined when there is none or it is not a bearer token. */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Checks every route against the table when it is declared, and every request against its key before its body is
 * read: 401 (with `WWW-Authenticate: Bearer`) without a known key, 403 when the key's role is below the route's.
 */
export function installAccessControl(app: HttpApp, options: AccessControlOptions): void {
  const { table, apiKeys } = options;
  for (const [key, access] of Object.entries(table)) {
    if (access !== 'public' && !(apiRoles as readonly string[]).includes(access)) throw new Error(`access table: ${key} has the unknown access "${String(access)}"`);
  }
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (accessOf(table, method, route.url) === undefined) {
        throw new Error(`route ${routeKey(method, route.url)} is not in the access table: add it with its role (public, reader, writer or admin)`);
      }
    }
  });
  if (apiKeys.size === 0) return;

  app.addHook('onRequest', (request, reply, done) => {
    const url = request.routeOptions.url;
    const access = url === undefined ? unknownRouteAccess : (accessOf(table, request.method, url) ?? 'admin');
    if (access === 'public') return done();
    const token = bearerToken(request.headers.authorization);
    const identity = token === undefined ? undefined : apiKeys.identify(token);
    if (identity === undefined) {
      const challenge = token === undefined ? 'Bearer realm="twofold"' : 'Bearer realm="twofold", error="invalid_token"';
      const message = token === undefined ? 'this route needs an API key: send Authorization: Bearer <key>' : 'the API key is not known';
      sendHttpError(request, reply, { status: 401, code: 'unauthorized', message, headers: { 'www-authenticate': challenge } });
      return;
    }
    requestKeys.set(request, identity);
    if (!roleSatisfies(identity.role, access)) {
      const message = `this route needs the ${access} role; the key has ${identity.role}`;
      sendHttpError(request, reply, { status: 403, code: 'forbidden', message, details: { required: access, role: identity.role } });
      return;
    }
    done();
  });
}
