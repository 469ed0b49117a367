// A small keep-alive HTTP client for load loops: an undici Pool per base URL, driven through the
// low-level dispatch API (no streams, no per-request promises beyond the answer), so that the load
// generator spends as little of the shared CPU as it can.
import { Pool, type Dispatcher } from 'undici';

export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** Response headers, keys in lower case. */
  readonly headers: HttpHeaders;
}

export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** Like request, but rejects unless the status is `expected`. */
  expect(status: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer>;
  /** Closes every connection; requests still in flight are failed. */
  close(): Promise<void>;
}

/**
 * At most `connections` connections to `baseUrl`'s origin, kept alive between requests. No
 * pipelining: a connection carries one request at a time, and requests beyond `connections` wait
 * in the pool's queue (their wait is part of their latency), so a closed-loop client cannot hide
 * server-side queueing behind a pipeline.
 */
export function createHttpClient(baseUrl: string, connections: number): HttpClient {
  const pool = new Pool(new URL(baseUrl).origin, { connections, pipelining: 1 });
  const request = (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      let status = 0;
      let responseHeaders: HttpHeaders = {};
      let chunks: Buffer[] = [];
      const handler: Dispatcher.DispatchHandler = {
        // Its presence tells undici this handler speaks the controller-based API.
        onRequestStart() {},
        onResponseStart(_controller, statusCode, received) {
          // Called again after a 1xx answer: only the final answer's head and body are kept.
          status = statusCode;
          responseHeaders = received;
          chunks = [];
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          resolve({ status, body: text, headers: responseHeaders });
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      };
      pool.dispatch(
        {
          method,
          path,
          body: payload,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        },
        handler,
      );
    });
  return {
    request,
    async expect(status, method, path, body) {
      const answer = await request(method, path, body);
      if (answer.status !== status) throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: ${answer.body.slice(0, 200)}`);
      return answer;
    },
    close: () => pool.destroy(),
  };
}
