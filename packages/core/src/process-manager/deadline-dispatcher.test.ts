// The deadline dispatcher: fires due deadlines once, records refusals, retries store failures, and re-fires a dead holder's harmlessly.
import { describe, expect, it } from 'vitest';
import { CommandRejected, IdempotencyKeyUsed, StoreUnavailable } from '../errors.js';
import type { Command } from '../messages.js';
import { createDeadlineDispatcher } from './deadline-dispatcher.js';
import { inMemoryDeadlineStore } from './deadline-store.js';
import { replayProcess, send, stepProcess, schedule, type ProcessManager } from './process-manager.js';

const at = Date.UTC(2026, 0, 1);
const reminders: ProcessManager<null> = {
  name: 'reminders',
  handles: ['Opened'],
  instanceOf: (event) => event.streamId,
  initialState: null,
  evolve: () => null,
  react: (_state, event) => [schedule('remind', new Date(event.recordedAt.getTime() + 1_000), { type: 'Remind', data: { streamId: event.streamId } })],
};
const opened = (streamId: string) => ({
  type: 'Opened', data: {}, metadata: { correlationId: `c-${streamId}` }, streamId, streamVersion: 1, globalPosition: 1, transactionId: 1, eventId: `e-${streamId}`, recordedAt: new Date(at),
});

function setup() {
  let now = at;
  const store = inMemoryDeadlineStore({ now: () => now });
  store.write(stepProcess(reminders, null, opened('a')).scheduled, []);
  return { store, tick: (ms: number) => (now += ms) };
}

describe('the deadline dispatcher', () => {
  it('fires nothing before the deadline is due, then its command once, with the deadline id as command id and idempotency key', async () => {
    const { store, tick } = setup();
    const sent: Command[] = [];
    const dispatcher = createDeadlineDispatcher({ store, send: async (command) => void sent.push(command) });
    expect(await dispatcher.fireDue()).toBe(0);
    tick(1_000);
    expect(await dispatcher.fireDue()).toBe(1);
    expect(await dispatcher.fireDue()).toBe(0);
    expect(sent).toMatchObject([{ type: 'Remind', data: { streamId: 'a' }, metadata: { commandId: 'reminders/a/remind', causationId: 'e-a', correlationId: 'c-a', idempotency: { scope: 'deadline', key: 'reminders/a/remind' } } }]);
    expect(store.read('reminders/a/remind')?.status).toBe('fired');
  });

  it('re-fires a deadline whose holder died after sending, once its lease ended; the used key counts as fired', async () => {
    const { store, tick } = setup();
    tick(1_000);
    const appended = new Set<string>();
    const send = async (command: Command) => {
      const key = command.metadata.idempotency!.key;
      if (appended.has(key)) throw new IdempotencyKeyUsed('deadline', key);
      appended.add(key);
    };
    const dying = createDeadlineDispatcher({ store: { ...store, finish: () => Promise.reject(new Error('killed')) }, send, leaseMs: 500 });
    await expect(dying.fireDue()).rejects.toThrow('killed');
    const survivor = createDeadlineDispatcher({ store, send, leaseMs: 500 });
    expect(await survivor.fireDue()).toBe(0);
    tick(500);
    expect(await survivor.fireDue()).toBe(1);
    expect(appended.size).toBe(1);
    expect(store.read('reminders/a/remind')?.status).toBe('fired');
  });

  it('records as fired a re-fire the decider refuses because the dead holder\'s own command already took effect', async () => {
    const { store, tick } = setup();
    tick(1_000);
    // no idempotency key here: the state moved on, so the decider refuses the second attempt
    const logged = new Set<string>();
    const send = async (command: Command) => {
      if (logged.size > 0) throw new CommandRejected('already_done', 'already done');
      logged.add(command.metadata.commandId!);
    };
    const committed = async (commandId: string) => logged.has(commandId);
    const dying = createDeadlineDispatcher({ store: { ...store, finish: () => Promise.reject(new Error('killed')) }, send, committed, leaseMs: 500 });
    await expect(dying.fireDue()).rejects.toThrow('killed');
    tick(500);
    expect(await createDeadlineDispatcher({ store, send, committed, leaseMs: 500 }).fireDue()).toBe(1);
    expect(store.read('reminders/a/remind')?.status).toBe('fired');
    // without the lookup the same history reads rejected: the check above can fail
    const other = setup();
    other.tick(1_000);
    const refuse = () => Promise.reject(new CommandRejected('already_done', 'already done'));
    expect(await createDeadlineDispatcher({ store: other.store, send: refuse, leaseMs: 500 }).fireDue()).toBe(1);
    expect(other.store.read('reminders/a/remind')?.status).toBe('rejected');
  });

  it('gives a refused deadline back when it cannot tell whether an earlier claim\'s command took effect', async () => {
    const { store, tick } = setup();
    tick(1_000);
    const refuse = () => Promise.reject(new CommandRejected('already_done', 'already done'));
    const unsure = () => Promise.reject(new StoreUnavailable('down'));
    expect(await createDeadlineDispatcher({ store, send: refuse, committed: unsure, leaseMs: 500, retryInMs: 100 }).fireDue()).toBe(1);
    expect(store.read('reminders/a/remind')?.status).toBe('pending');
  });

  it('records a refused command as rejected, and gives back one that met a store failure', async () => {
    const { store, tick } = setup();
    store.write(stepProcess(reminders, null, opened('b')).scheduled, []);
    tick(1_000);
    const refusing = createDeadlineDispatcher({
      store,
      retryInMs: 100,
      send: async (command) => {
        throw (command.data as { streamId: string }).streamId === 'a' ? new CommandRejected('too_late', 'settled already') : new StoreUnavailable('down');
      },
    });
    expect(await refusing.fireDue()).toBe(2);
    expect(store.read('reminders/a/remind')?.status).toBe('rejected');
    expect(store.read('reminders/b/remind')?.status).toBe('pending');
    const fine = createDeadlineDispatcher({ store, send: async () => undefined });
    expect(await fine.fireDue()).toBe(0);
    tick(100);
    expect(await fine.fireDue()).toBe(1);
    expect(store.read('reminders/b/remind')?.status).toBe('fired');
  });

  it('sends a command at once as a deadline due when its event happened, and mutes reactions on a replay', async () => {
    const { store } = setup();
    const notifier: ProcessManager<number> = { ...reminders, name: 'notifier', initialState: 0, evolve: (n) => n + 1, react: (_s, event) => [send('notify', { type: 'Notify', data: {} }, event)] };
    const step = stepProcess(notifier, 0, opened('n'));
    expect(step.scheduled).toMatchObject([{ id: 'notifier/n/notify', dueAt: new Date(at) }]);
    expect(stepProcess(notifier, 0, opened('n'), { muted: true })).toEqual({ state: 1, scheduled: [], cancelled: [] });
    expect(replayProcess(notifier, [opened('n'), opened('n')])).toBe(2);
    store.write(step.scheduled, []);
    const sent: Command[] = [];
    expect(await createDeadlineDispatcher({ store, send: async (command) => void sent.push(command) }).fireDue()).toBe(1);
    expect(sent.map((command) => command.type)).toEqual(['Notify']);
  });

  it('leaves a deadline being fired alone when it is cancelled meanwhile: its command decides', async () => {
    const { store, tick } = setup();
    tick(1_000);
    let release: () => void = () => undefined;
    const dispatcher = createDeadlineDispatcher({ store, send: () => new Promise<void>((resolve) => (release = resolve)) });
    const firing = dispatcher.fireDue();
    await new Promise((resolve) => setImmediate(resolve));
    store.write([], ['reminders/a/remind']);
    release();
    await firing;
    expect(store.read('reminders/a/remind')?.status).toBe('fired');
  });
});
