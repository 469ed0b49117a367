// fast-check arbitraries of HTTP requests that are almost right: built from a route's declared schemas, then broken
// in one place (a wrong type, a missing or extra field, a huge or fractional number, hostile text, a bad id, header
// or cursor, a duplicated JSON key, malformed JSON), so that they pass the outer checks and reach deep code.
import fc from 'fast-check';
import type { JsonSchema, Parameter, Route } from './route-table.js';

export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
  /** What was broken, for the report. */
  readonly mutation: string;
}

/** Values that exist in the server under test, by parameter or field name, so that some requests reach the domain. */
export type KnownValues = Readonly<Record<string, readonly string[]>>;

const hostileStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\ufeff',
  '\uffff',
  '\u202eevil',
  '👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  "' OR 1=1 --",
  "'; DROP TABLE twofold_events; --",
  '"; SELECT pg_sleep(10); --',
  '$1',
  '%s%s%n',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '..',
  '%00',
  '\\',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '-1',
  '1e400',
  '0x10',
  '9'.repeat(40),
  '\n\r\t',
  'a'.repeat(65),
  'b'.repeat(10_000),
  '€'.repeat(5_000),
  '\u0000'.repeat(1_000),
];

const hostileNumbers = [
  -1,
  -0.5,
  0,
  0.5,
  1.5,
  1.0000001,
  -1e-9,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

/** A value of the wrong kind, or of the right kind out of every bound. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...hostileStrings) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...hostileNumbers) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [1], { $gt: '' }, [[[[[]]]]], JSON.parse('{"__proto__":{"polluted":1}}')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }) },
);

/** Text for a place where only printable text travels (a header, a query string's decoded value). */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...hostileStrings.filter((s) => s.length < 2_000)),
  fc.constantFrom(...hostileNumbers.map(String)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/** Valid values by schema (bounded: a valid array has at most 3 items), drawing on the known values for fields so named. */
export function validValue(schema: JsonSchema, known: KnownValues, name = ''): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((s) => validValue(s, known, name)));
  switch (schema.type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, child] of Object.entries(properties)) record[key] = validValue(child, known, key);
      return fc.record(record, { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) });
    }
    case 'array':
      return fc.array(validValue(schema.items ?? {}, known, name), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'integer':
      return fc.oneof(fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1_000, 1_000) }), fc.constant(schema.minimum ?? 0));
    case 'number':
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      const pool = known[name] ?? [];
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 40, 40);
      const fits = (s: string): boolean => s.length >= minLength && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
      const generated =
        schema.pattern === undefined
          ? fc.string({ minLength, maxLength })
          : fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
      return pool.length === 0 ? generated : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: generated });
    }
    default:
      return fc.constantFrom<unknown>('x', 1, null);
  }
}

type Path = readonly (string | number)[];

const valueAt = (value: unknown, path: Path): unknown => path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);

/** Every place inside a JSON value: the value itself, and each property and item, recursively. */
function placesIn(value: unknown, at: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [at];
  const children = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...children.flatMap((key) => placesIn((value as Record<string | number, unknown>)[key], [...at, key]))];
}

const mutations = ['replace', 'remove', 'add', 'duplicate-key', 'malformed', 'poison'] as const;

/** Text that passes a schema's length and non-blank checks but that PostgreSQL cannot store, made of the text it replaces. */
const poisons = [(s: string) => `${s.slice(0, -1)}\u0000`, (s: string) => `\ud800${s.slice(1)}`, (s: string) => `${s.slice(0, -1)}\udc00`, (s: string) => `a\u0000${s.slice(2)}`];

/** Breaks a valid value in one place; the duplicated-key and malformed forms exist only as raw JSON text. */
function broken(valid: unknown, choice: number, mutation: (typeof mutations)[number], hostile: unknown, extraKey: string): { text: string; mutation: string } {
  const copy: unknown = structuredClone(valid);
  const places = placesIn(copy);
  const place = places[choice % places.length]!;
  const parent = valueAt(copy, place.slice(0, -1)) as Record<string | number, unknown> | undefined;
  const key = place.at(-1);
  const where = place.join('.') || '(body)';
  switch (mutation) {
    case 'poison': {
      const texts = places.filter((p) => p.length > 0 && typeof valueAt(copy, p) === 'string');
      const target = texts[choice % Math.max(texts.length, 1)];
      if (target === undefined) return broken(valid, choice, 'replace', hostile, extraKey);
      const holder = valueAt(copy, target.slice(0, -1)) as Record<string | number, unknown>;
      const last = target.at(-1)!;
      holder[last] = poisons[choice % poisons.length]!(String(holder[last]));
      return { text: JSON.stringify(copy), mutation: `${target.join('.')} poisoned` };
    }
    case 'replace':
      if (parent === undefined || key === undefined) return { text: JSON.stringify(hostile) ?? 'null', mutation: 'body replaced' };
      parent[key] = hostile;
      return { text: JSON.stringify(copy), mutation: `${where} replaced` };
    case 'remove':
      if (parent === undefined || key === undefined) return { text: '', mutation: 'empty body' };
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return { text: JSON.stringify(copy), mutation: `${where} removed` };
    case 'add': {
      const target = (key === undefined ? copy : parent?.[key]) as unknown;
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[extraKey] = hostile;
      else if (Array.isArray(target)) target.push(hostile);
      return { text: JSON.stringify(copy), mutation: `field ${JSON.stringify(extraKey)} added at ${where}` };
    }
    case 'duplicate-key': {
      const text = JSON.stringify(copy);
      const first = /^\{"((?:[^"\\]|\\.)*)":/.exec(text);
      if (first === null) return { text: `{"a":1,"a":${JSON.stringify(hostile) ?? 'null'}}`, mutation: 'duplicated key' };
      // the first key again, at the end (JSON.parse keeps the last) or at the start (the valid one wins)
      return choice % 2 === 0
        ? { text: `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"${first[1]}":${JSON.stringify(hostile) ?? 'null'}}`, mutation: `key ${first[1]} duplicated last` }
        : { text: `{"${first[1]}":${JSON.stringify(hostile) ?? 'null'},${text.slice(1)}`, mutation: `key ${first[1]} duplicated first` };
    }
    case 'malformed': {
      const text = JSON.stringify(copy) ?? '';
      const forms = [
        text.slice(0, Math.max(0, text.length - 1 - (choice % 5))),
        `${text},`,
        text.replace(/"/g, "'"),
        `${text}${text}`,
        `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
        `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
        '{"n": 1e99999}',
        '{"n": -}',
        'NaN',
        `\ufeff${text}`,
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
        '{"__proto__": {"admin": true}}',
        '{"constructor": {"prototype": {"admin": true}}}',
      ];
      return { text: forms[choice % forms.length]!, mutation: `malformed JSON #${choice % forms.length}` };
    }
  }
}

/** A path segment or query value percent-encoded as a browser would, even when it holds lone surrogates (sent as U+FFFD). */
const encode = (value: string): string => [...Buffer.from(value, 'utf8')].map((byte) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** Raw bytes of a URL that no encoder produces: bad escapes, invalid UTF-8, traversal. */
const rawSegments = ['%', '%zz', '%ff', '%00', '%ED%A0%80', '%C0%AF', '..', '.', '%2e%2e', '%2F', 'a%20b', '~', '%25', ';', "'", '(', '*'];

function pathValue(parameter: Parameter, known: KnownValues): fc.Arbitrary<{ text: string; bad: string | undefined }> {
  const valid = validValue(parameter.schema, known, parameter.name).map((v) => ({ text: encode(String(v)), bad: undefined }));
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 2, arbitrary: hostileText.filter((s) => s.length > 0 && s.length < 300).map((s) => ({ text: encode(s), bad: parameter.name })) },
    { weight: 1, arbitrary: fc.constantFrom(...rawSegments).map((s) => ({ text: s, bad: parameter.name })) },
  );
}

const tokenValues = fc.oneof(
  fc.constantFrom('-1', '1.5', '1e3', 'abc', '', ' 1', '0x10', '9'.repeat(17), '9007199254740993', '1,2', '%00', 'null', '１２'),
  hostileText.filter((s) => /^[\x20-\x7e]*$/.test(s)),
);
const validTokens = fc.oneof(fc.constantFrom('0', '1', '9007199254740991'), fc.nat({ max: 10_000 }).map(String));
/** Waits short enough that a token ahead of the log costs the fuzzer little. */
const validWaits = fc.constantFrom('0', '0', '1', '2');

/** Header values HTTP can carry: visible ASCII and obs-text; no CR, LF or NUL. */
const headerText = fc.oneof(
  hostileText.map((s) => s.replace(/[^\x20-\x7e\x80-\xff]/g, '?')),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 100 }),
);

const contentTypes = ['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '', undefined];

/** One request to one route: mostly almost valid, broken in one place. */
export function requestFor(route: Route, known: KnownValues): fc.Arbitrary<FuzzRequest> {
  const pathParameters = route.parameters.filter((p) => p.in === 'path');
  const queryParameters = route.parameters.filter((p) => p.in === 'query' && p.name !== 'minPosition');
  const takesToken = route.parameters.some((p) => p.name === 'x-min-position');
  const path = fc.tuple(...pathParameters.map((p) => pathValue(p, known))).map((values) => {
    let url = route.path;
    pathParameters.forEach((p, i) => (url = url.replace(`:${p.name}`, values[i]!.text)));
    return { url, bad: values.flatMap((v) => (v.bad === undefined ? [] : [`path ${v.bad}`])) };
  });

  const query = fc
    .tuple(
      fc.tuple(
        ...queryParameters.map((p) =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 2, arbitrary: validValue(p.schema, known, p.name).map((v) => ({ pair: `${p.name}=${encode(String(v))}`, bad: undefined })) },
            { weight: 2, arbitrary: hostileText.map((s) => ({ pair: `${p.name}=${encode(s)}`, bad: p.name })) },
            { weight: 1, arbitrary: fc.constantFrom(...rawSegments).map((s) => ({ pair: `${p.name}=${s}`, bad: p.name })) },
            { weight: 1, arbitrary: fc.tuple(validValue(p.schema, known, p.name), hostileText).map(([v, s]) => ({ pair: `${p.name}=${encode(String(v))}&${p.name}=${encode(s)}`, bad: `${p.name} twice` })) },
          ),
        ),
      ),
      fc.option(fc.oneof(tokenValues.map((t) => ({ pair: `minPosition=${encode(t)}`, bad: 'minPosition' })), validTokens.map((t) => ({ pair: `minPosition=${t}`, bad: undefined }))), { freq: 3 }),
      fc.option(fc.tuple(fc.constantFrom('extra', 'limit', '__proto__', 'a[b]', 'q[]', '', '&', '='), hostileText).map(([k, v]) => ({ pair: `${k}=${encode(v)}`, bad: `query ${k}` })), { freq: 5 }),
    )
    .map(([values, token, extra]) => {
      const parts = [...values, token, extra].filter((p): p is { pair: string; bad: string | undefined } => p !== undefined && p !== null);
      return { text: parts.length === 0 ? '' : `?${parts.map((p) => p.pair).join('&')}`, bad: parts.flatMap((p) => (p.bad === undefined ? [] : [p.bad])) };
    });

  const headers = fc
    .record(
      {
        token: fc.oneof(tokenValues.map((t) => ({ value: t, bad: 'X-Min-Position' })), validTokens.map((t) => ({ value: t, bad: undefined }))),
        wait: fc.oneof(tokenValues.map((t) => ({ value: t, bad: 'X-Wait-Ms' })), fc.constantFrom('30001', '99999999').map((t) => ({ value: t, bad: 'X-Wait-Ms' })), validWaits.map((t) => ({ value: t, bad: undefined }))),
        correlation: headerText,
        contentType: fc.constantFrom(...contentTypes),
        other: fc.tuple(fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'authorization', 'idempotency-key', 'x-api-key', 'cookie', 'range'), headerText),
      },
      { requiredKeys: ['wait', 'contentType'] },
    )
    .map(({ token, wait, correlation, contentType, other }) => {
      const result: Record<string, string> = { 'x-wait-ms': wait.value };
      const bad: string[] = [];
      // a query route waits X-Wait-Ms (default 3 s) for a token ahead of the log: keep the wait short unless it is the fault
      if (token !== undefined && (takesToken || token.bad !== undefined)) {
        result['x-min-position'] = token.value;
        if (token.bad !== undefined) bad.push(token.bad);
      }
      if (wait.bad !== undefined) bad.push(wait.bad);
      if (correlation !== undefined) result['x-correlation-id'] = correlation;
      if (contentType !== undefined) result['content-type'] = contentType;
      if (other !== undefined) result[other[0]] = other[1];
      return { headers: result, bad };
    });

  const body =
    route.body === undefined
      ? fc.oneof(
          fc.constant({ text: undefined as string | undefined, mutation: 'no body' }),
          hostileValue.map((v) => ({ text: JSON.stringify(v) as string | undefined, mutation: 'unexpected body' })),
        )
      : fc
          .tuple(validValue(route.body, known), fc.nat(), fc.constantFrom(...mutations, 'replace', 'replace', 'remove', 'add'), hostileValue, fc.constantFrom('extra', 'id', '__proto__', 'constructor', '', 'quantity', 'amountCents'), fc.nat({ max: 19 }))
          .map(([valid, choice, mutation, hostile, extraKey, dice]) =>
            // one in twenty bodies is left valid: the rest of the request may still be broken
            dice === 0 ? { text: JSON.stringify(valid) as string | undefined, mutation: 'valid body' } : broken(valid, choice, mutation, hostile, extraKey),
          );

  const method = fc.oneof({ weight: 19, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST', 'GET') });

  return fc.tuple(method, path, query, headers, body, fc.nat({ max: 49 })).map(([verb, p, q, h, b, dice]): FuzzRequest => {
    const payload = verb === 'GET' || verb === 'HEAD' ? undefined : dice === 0 && b.text !== undefined ? Buffer.concat([Buffer.from(b.text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('}')]) : b.text;
    const faults = [...p.bad, ...q.bad, ...h.bad, b.mutation, ...(verb === route.method ? [] : [`method ${verb}`]), ...(dice === 0 && payload !== undefined ? ['invalid UTF-8'] : [])];
    return { method: verb, url: `${p.url}${q.text}`, headers: h.headers, ...(payload === undefined ? {} : { payload }), mutation: faults.join(', ') };
  });
}

/** Requests across all routes, each route equally likely. */
export const requestsFor = (routes: readonly Route[], known: KnownValues): fc.Arbitrary<FuzzRequest> => fc.oneof(...routes.map((route) => requestFor(route, known)));
