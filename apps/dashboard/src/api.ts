// The public HTTP API, as the page calls it: JSON in and out, the freshness headers, errors as { code, message }.

export interface Freshness {
  /** X-As-Of: the answer is complete up to this time. */
  readonly asOf: Date | undefined;
  readonly position: number | undefined;
  /** X-Projection-Delayed: true or X-Consistency: stale. */
  readonly delayed: boolean;
  readonly caughtUp: boolean;
}

export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type ApiResult<T> = { readonly ok: true; readonly status: number; readonly body: T; readonly freshness: Freshness } | { readonly ok: false; readonly error: ApiError };

export interface CommandAccepted {
  readonly correlationId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
}

const freshnessOf = (headers: Headers): Freshness => {
  const asOf = headers.get('x-as-of');
  const position = headers.get('x-projection-position');
  const consistency = headers.get('x-consistency');
  return {
    asOf: asOf === null ? undefined : new Date(asOf),
    position: position === null ? undefined : Number(position),
    delayed: headers.get('x-projection-delayed') === 'true' || consistency === 'stale',
    caughtUp: consistency === 'caught-up',
  };
};

export async function call<T>(method: string, path: string, options: { body?: unknown; minPosition?: number; waitMs?: number } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.minPosition !== undefined) headers['x-min-position'] = String(options.minPosition);
  if (options.waitMs !== undefined) headers['x-wait-ms'] = String(options.waitMs);
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  } catch (error) {
    return { ok: false, error: { status: 0, code: 'network', message: `the server could not be reached (${String(error)})` } };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) {
    const described = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    return { ok: false, error: { status: response.status, code: described?.code ?? String(response.status), message: described?.message ?? response.statusText } };
  }
  return { ok: true, status: response.status, body: body as T, freshness: freshnessOf(response.headers) };
}

export const get = <T>(path: string, options?: { minPosition?: number; waitMs?: number }) => call<T>('GET', path, options);
export const command = (path: string, body: unknown) => call<CommandAccepted>('POST', path, { body });

export const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

export const money = (cents: number, currency: string): string => {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
};

export const clock = (date: Date | string | undefined | null): string => (date == null ? '—' : new Date(date).toLocaleTimeString('en-GB', { hour12: false }));
export const dateTime = (date: Date | string | undefined | null): string =>
  date == null ? '—' : new Date(date).toLocaleString('en-GB', { hour12: false, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
