// The entry of a benchmark worker process: answers calls from the parent over IPC (see worker-process.ts).
import { appendHandlers, closeAppend } from './worker-append.js';
import { closeLoad, loadHandlers } from './worker-load.js';
import { closeProjections, projectionHandlers } from './worker-projections.js';
import { closeServers, serverHandlers } from './worker-servers.js';

interface Call {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

const handlers: Record<string, (params: never) => Promise<unknown>> = { ...appendHandlers, ...serverHandlers, ...projectionHandlers, ...loadHandlers };

async function closeAll(): Promise<void> {
  await closeServers();
  await closeProjections();
  await closeAppend();
  await closeLoad();
}

const reply = (message: object): Promise<void> => new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));

process.on('message', (call: Call) => {
  void (async () => {
    if (call.method === 'exit') {
      await closeAll();
      await reply({ id: call.id, result: null });
      process.exit(0);
    }
    const handler = handlers[call.method];
    try {
      if (handler === undefined) throw new Error(`unknown method ${call.method}`);
      await reply({ id: call.id, result: await handler(call.params as never) });
    } catch (error) {
      await reply({ id: call.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});

// the parent is gone: nothing will call again
process.on('disconnect', () => {
  void closeAll().finally(() => process.exit(0));
});
