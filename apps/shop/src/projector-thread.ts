// The projector's thread: the daemons of every read model, off the HTTP server's event loop, reporting to their process.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { reportOf, type FromProjector, type ProjectorThreadData, type ToProjector } from './projector-messages.js';
import { openShopProjector, type ShopProjector } from './shop-projector.js';

if (parentPort === null) throw new Error('projector-thread.js runs as a worker thread (see threaded-projector.ts)');
const port = parentPort;
const data = workerData as ProjectorThreadData;
const say = (message: FromProjector): void => port.postMessage(message);
const logger = data.logLevel === undefined ? undefined : pino({ level: data.logLevel, base: { thread: 'projector' } });

let projector: ShopProjector | undefined;
let reporting: NodeJS.Timeout | undefined;
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(reporting);
  await projector?.close();
  say({ kind: 'stopped' });
  port.close();
}

port.on('message', (message: ToProjector) => {
  if (message.kind === 'stop') void stop();
});

try {
  projector = await openShopProjector({ ...data, ...(logger === undefined ? {} : { logger }) });
  // the runners' statuses ride with each batch, so whoever learns of the batch sees the statuses that went with it
  const opened = projector;
  const statuses = () => opened.daemons.flatMap((d) => d.statuses());
  for (const daemon of opened.daemons) daemon.onProgress((batch) => say({ kind: 'batch', batch: reportOf(batch), statuses: statuses() }));
  if (!stopping) {
    for (const daemon of projector.daemons) daemon.start();
    reporting = setInterval(() => say({ kind: 'statuses', statuses: statuses() }), data.statusIntervalMs);
    say({ kind: 'started' });
  }
} catch (error) {
  say({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  await projector?.close().catch(() => undefined);
  port.close();
}
