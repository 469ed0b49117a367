// The session a Redis projection writes through: reads see the batch's own writes, and writes are buffered, guarded per key by log cursor.
import { compareCursors, type LogCursor, type StoredEvent } from '@twofold/core';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { readScript } from './scripts.js';

/** Reads of committed values of one projection's read model. */
export interface RedisReader {
  get<T>(key: string): Promise<T | undefined>;
  /** Values in the order of `keys`. */
  mget<T>(keys: readonly string[]): Promise<(T | undefined)[]>;
}

/** Where in the log a write comes from: an event, or its cursor. */
export type WritePosition = LogCursor | Pick<StoredEvent, 'transactionId' | 'globalPosition'>;

/**
 * A projection's view of its read model during one batch. Keys are the projection's own (stored under its name).
 * A write applies only if the key's last write came from earlier in the log, so redelivered events change nothing,
 * provided each key's value depends only on that key's earlier value and the event. Writes become visible when the
 * batch commits; reads within the batch see them.
 */
export interface RedisSession extends RedisReader {
  readonly projection: string;
  /** Replaces the value (JSON-serializable, not undefined). */
  set<T>(key: string, value: T, at: WritePosition): void;
  /** Computes the value from the current one (undefined when absent); returning undefined leaves the key as it is. */
  update<T>(key: string, at: WritePosition, change: (current: T | undefined) => T | undefined): Promise<void>;
  /** Removes the value, keeping its position so that an older event cannot bring it back. */
  delete(key: string, at: WritePosition): void;
}

/** One buffered write: the full Redis key, 's' (set) or 'd' (delete), the cursor and the JSON value ('' for a delete). */
export interface RedisWrite {
  readonly key: string;
  readonly op: 's' | 'd';
  readonly cursor: LogCursor;
  readonly json: string;
}

interface Entry {
  /** undefined: absent or deleted */
  json: string | undefined;
  /** The cursor of the last write; undefined for a key never written. */
  cursor: LogCursor | undefined;
  /** Loaded: the entry is the key's current state. Blind: a write made without reading; the stored state may be newer. */
  loaded: boolean;
  dirty: boolean;
}

export interface BufferedRedisSession extends RedisSession {
  /** Ends the session and returns its writes; later calls throw. */
  seal(): readonly RedisWrite[];
}

const parse = <T>(json: string | null | undefined): T | undefined => (json === null || json === undefined ? undefined : (JSON.parse(json) as T));

/**
 * The Redis key of a read-model key in one generation (a rebuild writes a new generation beside the live one). The
 * first generation keeps the layout of stores that had no generations; `readScript` builds the same names.
 */
export const readModelKey = (keyPrefix: string, projection: string, key: string, generation = 1): string =>
  `${generationKeyPrefix(keyPrefix, projection, generation)}${key}`;

/** What every key of one generation of a projection's read model starts with. */
export const generationKeyPrefix = (keyPrefix: string, projection: string, generation: number): string =>
  `${keyPrefix}rm:${projection}${generation === 1 ? '' : `@${generation}`}:`;

/** The hash of each projection's live generation, which readers resolve on every read. */
export const generationsKey = (keyPrefix: string): string => `${keyPrefix}generations`;

export function cursorOfPosition(at: WritePosition): LogCursor {
  const cursor = 'globalPosition' in at ? { transactionId: at.transactionId, position: at.globalPosition } : { transactionId: at.transactionId, position: at.position };
  if (!Number.isSafeInteger(cursor.transactionId) || !Number.isSafeInteger(cursor.position) || cursor.transactionId < 0 || cursor.position < 0) {
    throw new RangeError(`not a log cursor: ${JSON.stringify(cursor)}`);
  }
  return cursor;
}

export function redisReader(redis: Redis, keyPrefix: string, projection: string): RedisReader {
  // one script resolves the live generation and reads in it: a switch lands wholly before or after a read
  const read = async (keys: readonly string[]): Promise<(string | null)[]> =>
    (await redisCall(runScript(redis, readScript, [generationsKey(keyPrefix)], [keyPrefix, projection, ...keys]))) as (string | null)[];
  return {
    async get<T>(key: string) {
      return parse<T>((await read([key]))[0]);
    },
    async mget<T>(keys: readonly string[]) {
      if (keys.length === 0) return [];
      return (await read(keys)).map((json) => parse<T>(json));
    },
  };
}

/** The stored state of one key, from its hash's v, t and p fields. */
function storedEntry([json, t, p]: (string | null)[]): Entry {
  return {
    json: json ?? undefined,
    cursor: t === null || t === undefined ? undefined : { transactionId: Number(t), position: Number(p) },
    loaded: true,
    dirty: false,
  };
}

/** Reads the stored state of keys not loaded yet; a blind write stays only if it is newer than what is stored. */
async function loadStored(redis: Redis, storedKey: (key: string) => string, entries: Map<string, Entry>, keys: readonly string[]): Promise<void> {
  const missing = [...new Set(keys)].filter((key) => entries.get(key)?.loaded !== true);
  if (missing.length === 0) return;
  const pipeline = redis.pipeline();
  for (const key of missing) pipeline.hmget(storedKey(key), 'v', 't', 'p');
  const results = (await redisCall(pipeline.exec())) ?? [];
  missing.forEach((key, i) => {
    const [error, reply] = results[i] ?? [new Error('no reply')];
    if (error !== null) throw error;
    const stored = storedEntry(reply as (string | null)[]);
    const blind = entries.get(key);
    const keepBlind = blind !== undefined && (stored.cursor === undefined || compareCursors(blind.cursor!, stored.cursor) > 0);
    entries.set(key, keepBlind ? { ...blind, loaded: true } : stored);
  });
}

/** A session writing to `generation` of the projection's read model (the live one, or a rebuild's). */
export function bufferedRedisSession(redis: Redis, keyPrefix: string, projection: string, generation: number): BufferedRedisSession {
  const entries = new Map<string, Entry>();
  let sealed = false;
  const open = (): void => {
    if (sealed) throw new Error(`the session of ${projection} is used after its batch ended`);
  };

  const load = (keys: readonly string[]): Promise<void> => loadStored(redis, (key) => readModelKey(keyPrefix, projection, key, generation), entries, keys);

  const isApplied = (entry: Entry | undefined, cursor: LogCursor): boolean =>
    entry?.cursor !== undefined && compareCursors(cursor, entry.cursor) <= 0;

  function write(key: string, json: string | undefined, at: WritePosition): void {
    open();
    const cursor = cursorOfPosition(at);
    const entry = entries.get(key);
    if (isApplied(entry, cursor)) return;
    entries.set(key, { json, cursor, loaded: entry?.loaded ?? false, dirty: true });
  }

  return {
    projection,
    async get<T>(key: string) {
      open();
      await load([key]);
      return parse<T>(entries.get(key)!.json);
    },
    async mget<T>(keys: readonly string[]) {
      open();
      await load(keys);
      return keys.map((key) => parse<T>(entries.get(key)!.json));
    },
    set(key, value, at) {
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError(`the value of ${key} is not JSON (use delete to remove a key)`);
      write(key, json, at);
    },
    delete(key, at) {
      write(key, undefined, at);
    },
    async update<T>(key: string, at: WritePosition, change: (current: T | undefined) => T | undefined) {
      open();
      const cursor = cursorOfPosition(at);
      await load([key]);
      const entry = entries.get(key)!;
      if (isApplied(entry, cursor)) return;
      const next = change(parse<T>(entry.json));
      if (next === undefined) return;
      const json = JSON.stringify(next);
      if (json === undefined) throw new TypeError(`the value of ${key} is not JSON`);
      entries.set(key, { json, cursor, loaded: true, dirty: true });
    },
    seal() {
      open();
      sealed = true;
      return [...entries]
        .filter(([, entry]) => entry.dirty)
        .map(([key, entry]) => ({
          key: readModelKey(keyPrefix, projection, key, generation),
          op: entry.json === undefined ? 'd' : 's',
          cursor: entry.cursor!,
          json: entry.json ?? '',
        }));
    },
  };
}

/** The script arguments of writes: 4 per write, in the order of their keys. */
export const writeArguments = (writes: readonly RedisWrite[]): string[] =>
  writes.flatMap((w) => [w.op, String(w.cursor.transactionId), String(w.cursor.position), w.json]);
