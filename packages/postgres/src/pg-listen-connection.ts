// The LISTEN side of the pg client: one connection that listens on every channel with listeners, reopened whenever it drops.
import type { Logger } from '@twofold/core';
import pg from 'pg';
import type { ClientConfig } from 'pg';
import type { NotificationHub } from './notification-hub.js';
import { checkChannel } from './postgres-client.js';

export interface PgListenConnectionOptions {
  readonly clientConfig: ClientConfig;
  /** Whose channels to listen on, and where notifications go. */
  readonly hub: NotificationHub;
  readonly logger: Logger;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /**
   * True for a notification this process already delivered to its listeners when it sent it (a NOTIFY from one of
   * the client's own pooled connections): its echo through LISTEN is dropped instead of waking them again.
   */
  readonly sentHere?: (backendPid: number) => boolean;
}

export interface PgListenConnection {
  /** Brings the LISTENs in line with the hub's channels, opening the connection if needed. Call after adding or removing listeners. */
  refresh(): void;
  close(): Promise<void>;
}

/**
 * LISTENs on every channel of the hub not listened to yet (waking its listeners once), UNLISTENs the channels nobody
 * listens to any more. `listening` is read at each step: a lost connection replaces the set.
 */
async function alignListens(current: pg.Client, hub: NotificationHub, listening: () => Set<string>, logger: Logger): Promise<void> {
  try {
    for (const channel of hub.channels()) {
      if (listening().has(channel)) continue;
      await current.query(`LISTEN ${checkChannel(channel)}`);
      listening().add(channel);
      hub.dispatch(channel);
    }
    for (const channel of [...listening()]) {
      if (hub.listenerCount(channel) > 0) continue;
      listening().delete(channel);
      await current.query(`UNLISTEN ${checkChannel(channel)}`);
    }
  } catch (error) {
    // start over on a fresh connection rather than listen on part of the channels
    logger.warn({ err: error }, 'LISTEN failed; reopening the connection');
    current.end().catch(() => undefined); // its 'end' event reconnects
  }
}

/**
 * Invariant: whenever a channel's LISTEN takes effect (first time, or after a reconnect), the
 * channel's listeners are woken once, since notifications sent while nobody listened are lost.
 */
export function createPgListenConnection(options: PgListenConnectionOptions): PgListenConnection {
  const { clientConfig, hub, logger, reconnectDelayMs, maxReconnectDelayMs, sentHere = () => false } = options;
  let connection: pg.Client | undefined;
  let listening = new Set<string>();
  let connecting: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let delayMs = reconnectDelayMs;
  let closed = false;

  async function open(): Promise<void> {
    const candidate = new pg.Client(clientConfig);
    const lost = (error?: unknown): void => {
      if (connection !== candidate) return;
      connection = undefined;
      listening = new Set();
      candidate.end().catch(() => undefined);
      if (closed) return;
      logger.warn({ err: error }, 'LISTEN connection lost; reconnecting');
      scheduleReconnect();
    };
    candidate.on('error', lost);
    candidate.on('end', () => lost());
    // an empty payload says nothing of the change (see the client's notify)
    candidate.on('notification', (message) => {
      if (sentHere(message.processId)) return;
      hub.dispatch(message.channel, message.payload === '' ? undefined : message.payload);
    });
    await candidate.connect();
    if (closed) {
      await candidate.end();
      return;
    }
    connection = candidate;
    delayMs = reconnectDelayMs;
    await sync();
  }

  function ensureOpen(): void {
    if (closed || connection !== undefined || connecting !== undefined || reconnectTimer !== undefined) return;
    connecting = open()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'LISTEN connection failed; retrying');
        scheduleReconnect();
      })
      .finally(() => {
        connecting = undefined;
      });
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensureOpen();
    }, delayMs);
    reconnectTimer.unref();
    delayMs = Math.min(delayMs * 2, maxReconnectDelayMs);
  }

  // one sync at a time, in call order
  let syncing = Promise.resolve();
  const sync = (): Promise<void> =>
    (syncing = syncing.then(() => (connection === undefined ? undefined : alignListens(connection, hub, () => listening, logger))));

  return {
    refresh() {
      if (connection === undefined) ensureOpen();
      else void sync();
    },
    async close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      await connecting;
      const current = connection;
      connection = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
