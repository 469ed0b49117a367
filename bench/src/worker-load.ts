// Worker side of open-loop HTTP load: one load stream per process (orders placed, or orders read), so the generator shares its event loop with nothing.
import { epochMs } from './clock.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { dueByOffsetMs, dueOffsetMs, runOpenLoop, type GeneratorFigures } from './load.js';
import { orderBody } from './shop-requests.js';

/** One load stream of the seed's shape: `orders` places orders at its rate, `reads` reads orders by id at its rate. */
export interface ShapeStreamParams {
  readonly stream: 'orders' | 'reads';
  readonly baseUrl: string;
  readonly ratePerSec: number;
  /** The most connections this stream keeps open; they open as the ramp needs them. */
  readonly connections: number;
  /** When the schedule starts (epochMs()): every stream of a step starts at the same moment. */
  readonly startAtEpochMs: number;
  readonly warmupMs: number;
  readonly rampMs: number;
  readonly durationMs: number;
  /** `POST` here places an order. */
  readonly commandPath: string;
  /** `GET` this followed by an order id reads it. */
  readonly queryPath: string;
  readonly products: number;
  /** The writer's order ids are `<orderPrefix>-<sequence>`, due on the writer's schedule (`writeRatePerSec`, same start and ramp). */
  readonly orderPrefix: string;
  readonly writeRatePerSec: number;
  /** Orders placed before this step; reads pick at random among them and the writer's orders due at least `visibleAfterMs` before. */
  readonly known: readonly string[];
  readonly visibleAfterMs: number;
}

export interface ShapeStreamResult {
  /** Latency of each answered request of the window, ms from the time it was due. */
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly dropped: number;
  /** Reads of the window answered 404 (the order not in the read model yet). */
  readonly notYetVisible: number;
  readonly generator: GeneratorFigures;
  /** The orders stream: ids answered 202, warm-up included, for the next steps to read. */
  readonly placed: string[];
}

let client: HttpClient | undefined;

const round2 = (value: number): number => Math.round(value * 100) / 100;

export const loadHandlers = {
  async 'load.shape'(params: ShapeStreamParams): Promise<ShapeStreamResult> {
    const { stream, ratePerSec, rampMs, startAtEpochMs, orderPrefix, known } = params;
    const http = createHttpClient(params.baseUrl, params.connections);
    client = http;
    const placed: string[] = [];
    let notYetVisible = 0;
    const placeOrder = async (sequence: number): Promise<void> => {
      const id = `${orderPrefix}-${sequence}`;
      await http.expect(202, 'POST', params.commandPath, orderBody(id, params.products, sequence));
      placed.push(id);
    };
    const readOrder = async (sequence: number): Promise<void> => {
      const written = dueByOffsetMs(epochMs() - startAtEpochMs - params.visibleAfterMs, params.writeRatePerSec, rampMs);
      const pick = Math.floor(Math.random() * (known.length + written));
      const path = `${params.queryPath}${pick < known.length ? known[pick] : `${orderPrefix}-${pick - known.length}`}`;
      const answer = await http.request('GET', path);
      if (answer.status === 404) {
        if (dueOffsetMs(sequence, ratePerSec, rampMs) >= params.warmupMs) notYetVisible++;
      }
      else if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    };
    try {
      const result = await runOpenLoop({
        ratePerSec,
        durationMs: params.durationMs,
        warmupMs: params.warmupMs,
        rampMs,
        startAtEpochMs,
        // a second's worth of requests waiting: the server has fallen far behind the rate
        maxInFlight: Math.max(64, Math.ceil(ratePerSec)),
        operation: stream === 'orders' ? placeOrder : readOrder,
      });
      return {
        latenciesMs: result.latenciesMs.map(round2),
        errors: result.errors,
        firstError: result.firstError,
        dropped: result.dropped,
        notYetVisible,
        generator: result.generator,
        placed,
      };
    } finally {
      client = undefined;
      await http.close();
    }
  },
};

export async function closeLoad(): Promise<void> {
  await client?.close().catch(() => undefined);
  client = undefined;
}
