// A small keep-alive HTTP client for load loops: node:http with a pooled agent, no per-request parsing beyond what is asked.
import http from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** Like request, but rejects unless the status is `expected`. */
  expect(status: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer>;
  close(): void;
}

export function createHttpClient(baseUrl: string, connections: number): HttpClient {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const request = (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const outgoing = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: response.headers }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  return {
    request,
    async expect(status, method, path, body) {
      const answer = await request(method, path, body);
      if (answer.status !== status) throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: ${answer.body.slice(0, 200)}`);
      return answer;
    },
    close: () => agent.destroy(),
  };
}
