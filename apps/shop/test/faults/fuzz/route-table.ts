// Every route a Fastify app serves, read from the app itself (its router and its OpenAPI document), so a route
// added tomorrow is fuzzed tomorrow without anyone listing it here.
import type { FastifyInstance } from 'fastify';

/** A JSON schema as the OpenAPI document holds it (TypeBox output, resolved by @fastify/swagger). */
export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly schema: JsonSchema;
}

export interface Route {
  readonly method: string;
  /** Fastify's form: `/api/orders/:id/pay`. */
  readonly path: string;
  readonly parameters: readonly Parameter[];
  /** The JSON body's schema, when the route declares one. */
  readonly body: JsonSchema | undefined;
}

/**
 * Reads `printRoutes({ commonPrefix: false })`: one line per node, indented four columns per level, each naming its
 * segment and, when it ends a route, its methods: `│   └── /:id (GET, HEAD)`.
 */
export function routerPaths(printed: string): { path: string; methods: string[] }[] {
  const routes: { path: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^([│ ├└─]*?)(?:[├└]── )(\S+)(?: \(([^)]*)\))?\s*$/u.exec(line);
    if (match === null) continue;
    const depth = [...match[1]!].length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (match[3] !== undefined) routes.push({ path: stack.join(''), methods: match[3].split(',').map((m) => m.trim()) });
  }
  return routes;
}

interface OpenApiOperation {
  readonly parameters?: readonly Parameter[];
  readonly responses?: Record<string, { readonly content?: Record<string, unknown> }>;
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: JsonSchema }> };
}

/** Every method of every route the router knows (HEAD aside: Fastify derives it from GET), with what the OpenAPI document says of it. */
export function routeTable(app: FastifyInstance): Route[] {
  // swagger() is @fastify/swagger's, which createHttpApp registers (a dependency of @twofold/http, not of the shop)
  const document = (app as FastifyInstance & { swagger(): unknown }).swagger() as { paths?: Record<string, Record<string, OpenApiOperation>> };
  const operations = new Map<string, OpenApiOperation>();
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) operations.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation);
  }
  return routerPaths(app.printRoutes({ commonPrefix: false })).flatMap(({ path, methods }) =>
    methods
      .filter((method) => method !== 'HEAD')
      // a stream of server-sent events never ends, so it cannot be answered in one request (its own tests cover it)
      .filter((method) => operations.get(`${method} ${path}`)?.responses?.['200']?.content?.['text/event-stream'] === undefined)
      .map((method) => {
        const operation = operations.get(`${method} ${path}`);
        const declared = operation?.parameters ?? [];
        // a path parameter the document does not declare (a hidden route) is fuzzed as free text
        const undeclared = [...path.matchAll(/:(\w+)/g)]
          .map((m) => m[1]!)
          .filter((name) => !declared.some((p) => p.in === 'path' && p.name === name))
          .map((name): Parameter => ({ name, in: 'path', schema: { type: 'string' } }));
        return { method, path, parameters: [...declared, ...undeclared], body: operation?.requestBody?.content?.['application/json']?.schema };
      }),
  );
}
