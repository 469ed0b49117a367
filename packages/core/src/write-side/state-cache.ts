// The write side's state cache: folded stream states by stream id, least recently used evicted first, bounded by count and bytes.

export interface CachedStream {
  /** The stream model's name: a state folded by another model is not this one's. */
  readonly model: string;
  readonly state: unknown;
  /** The stream version the state reflects (0: the stream is empty). */
  readonly version: number;
  /** Global position and transaction of the stream's last event (0 when empty). */
  readonly position: number;
  readonly transactionId: number;
  /** The stream version of the newest snapshot known to be stored (0: none). */
  readonly snapshotVersion: number;
}

export interface StateCacheOptions {
  /** Default 10,000 streams; 0 caches nothing. */
  readonly maxEntries?: number;
  /** Default 64 MiB, by a rough estimate of each state's size. */
  readonly maxBytes?: number;
}

export interface StateCache {
  get(streamId: string, model: string): CachedStream | undefined;
  set(streamId: string, entry: CachedStream): void;
  delete(streamId: string): void;
  clear(): void;
  readonly size: number;
  readonly bytes: number;
}

/** A rough size of a JSON-like value in bytes (UTF-16 strings, 8-byte numbers, object overhead); stops counting past `limit`. */
export function estimateBytes(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && total <= limit) {
    const next = pending.pop();
    if (typeof next === 'string') total += 16 + next.length * 2;
    else if (typeof next === 'number' || typeof next === 'boolean' || next === null || next === undefined) total += 8;
    else if (next instanceof Map) {
      total += 48;
      for (const [key, item] of next) pending.push(key, item);
    } else if (Array.isArray(next)) {
      total += 32 + next.length * 8;
      pending.push(...(next as unknown[]));
    } else if (typeof next === 'object') {
      total += 32;
      for (const [key, item] of Object.entries(next)) {
        total += 8 + key.length * 2;
        pending.push(item);
      }
    } else total += 8;
  }
  return total;
}

export function createStateCache(options: StateCacheOptions = {}): StateCache {
  const { maxEntries = 10_000, maxBytes = 64 * 2 ** 20 } = options;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be a non-negative integer');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('maxBytes must be a non-negative integer');
  // a Map iterates in insertion order: re-inserting on use keeps the least recently used first
  const entries = new Map<string, { readonly entry: CachedStream; readonly bytes: number }>();
  let bytes = 0;

  const remove = (streamId: string): void => {
    const held = entries.get(streamId);
    if (held === undefined) return;
    entries.delete(streamId);
    bytes -= held.bytes;
  };

  return {
    get(streamId, model) {
      const held = entries.get(streamId);
      if (held === undefined || held.entry.model !== model) return undefined;
      entries.delete(streamId);
      entries.set(streamId, held);
      return held.entry;
    },
    set(streamId, entry) {
      remove(streamId);
      const size = 64 + streamId.length * 2 + estimateBytes(entry.state, maxBytes);
      // a state larger than the whole cache is not kept: it would evict everything else
      if (maxEntries === 0 || size > maxBytes) return;
      entries.set(streamId, { entry, bytes: size });
      bytes += size;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    delete: remove,
    clear() {
      entries.clear();
      bytes = 0;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** Whether the option is a cache already, rather than the bounds of one to create. */
export function isStateCache(value: StateCache | StateCacheOptions | undefined): value is StateCache {
  return typeof (value as Partial<StateCache> | undefined)?.get === 'function';
}
