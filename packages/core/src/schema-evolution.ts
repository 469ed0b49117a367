// Schema evolution: events carry the version of their data's shape; upcasters turn stored old shapes into the
// current one on read, so deciders, projections and the history API only ever see the current shape.
import type { EventStore, ReadAllOptions, ReadStreamOptions, StreamAppend } from './event-store.js';
import type { Event, StoredEvent } from './messages.js';

/** Turns data of one version into the data of the next. Pure: it runs on every read of an old event. */
export type Upcaster = (data: unknown) => unknown;

export interface EventSchema {
  /** The version writers write (1 for a type never changed). */
  readonly version: number;
  /** `upcasters[k]` turns version k into k + 1: one for every k from 1 to version - 1. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
}

/** A stored (event type, schema version) pair, as `storedSchemaVersions` of a store reports them. */
export interface StoredSchemaVersion {
  readonly type: string;
  readonly version: number;
}

export interface EventSchemas {
  /** The version an event of this type is written with. */
  versionOf(type: string): number;
  /** The event in its type's current shape; an event already current comes back as it is. */
  upcast<E extends StoredEvent>(event: E): E;
  /**
   * Throws, naming every pair, when the store holds a version no chain of upcasters reaches the current one from
   * (newer than this code, or below 1): run it at start, so a deployment fails before it serves, not at some read.
   */
  verify(stored: readonly StoredSchemaVersion[]): void;
}

/** A stored event whose schema version this code cannot read. */
export class UnknownSchemaVersion extends Error {
  constructor(readonly pairs: readonly StoredSchemaVersion[]) {
    super(
      `the event store holds schema versions this code cannot read: ${pairs.map(({ type, version }) => `${type} v${version}`).join(', ')}` +
        ' (deploy the code that wrote them, or register upcasters for them)',
    );
    this.name = 'UnknownSchemaVersion';
  }
}

/** Events written before schema versions existed, or with none, are version 1. */
export const schemaVersionOf = (event: Pick<Event, 'metadata'>): number => {
  const version = event.metadata?.schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) ? version : 1;
};

/** Checks every chain at once: a missing step is a programming error, refused when the schemas are defined. */
export function defineEventSchemas(schemas: Readonly<Record<string, EventSchema>>): EventSchemas {
  const known = new Map(Object.entries(schemas));
  for (const [type, { version, upcasters = {} }] of known) {
    if (!Number.isInteger(version) || version < 1) throw new RangeError(`${type}: schema version must be an integer ≥ 1, got ${version}`);
    for (let from = 1; from < version; from++) {
      if (typeof upcasters[from] !== 'function') throw new RangeError(`${type}: no upcaster from v${from} to v${from + 1} (current is v${version})`);
    }
  }
  const readable = (type: string, version: number): boolean => version >= 1 && version <= (known.get(type)?.version ?? 1);

  return {
    versionOf: (type) => known.get(type)?.version ?? 1,
    upcast(event) {
      const schema = known.get(event.type);
      const stored = schemaVersionOf(event);
      const current = schema?.version ?? 1;
      if (stored === current) return event;
      if (!readable(event.type, stored)) throw new UnknownSchemaVersion([{ type: event.type, version: stored }]);
      let data = event.data;
      for (let from = stored; from < current; from++) data = schema!.upcasters![from]!(data);
      return { ...event, data, metadata: { ...event.metadata, schemaVersion: current } };
    },
    verify(stored) {
      const unreadable = stored.filter(({ type, version }) => !readable(type, version));
      if (unreadable.length > 0) throw new UnknownSchemaVersion(unreadable);
    },
  };
}

/**
 * The store as the application sees it: appends stamp each event with its type's current version; reads upcast
 * old events (but for a readAll's markers, whose data the reader asked not to get). Everything else passes through.
 */
export function evolvingEventStore<S extends EventStore>(store: S, schemas: EventSchemas): S {
  const stamp = (event: Event): Event => ({ ...event, metadata: { ...event.metadata, schemaVersion: schemas.versionOf(event.type) } });
  const stamped = (appends: readonly StreamAppend[]): StreamAppend[] => appends.map((append) => ({ ...append, events: append.events.map(stamp) }));
  // every other argument passes as given: options a store adds later (e.g. what to store with an append) are kept
  return Object.assign(Object.create(store) as S, {
    appendToStream: (...[streamId, events, ...rest]: Parameters<EventStore['appendToStream']>) => store.appendToStream(streamId, events.map(stamp), ...rest),
    appendToStreams: (...[appends, ...rest]: Parameters<EventStore['appendToStreams']>) => store.appendToStreams(stamped(appends), ...rest),
    readStream: async (streamId: string, options?: ReadStreamOptions) => (await store.readStream(streamId, options)).map((event) => schemas.upcast(event)),
    readAll: async (options: ReadAllOptions) => {
      const wanted = options.types === undefined ? undefined : new Set(options.types);
      return (await store.readAll(options)).map((event) => (wanted === undefined || wanted.has(event.type) ? schemas.upcast(event) : event));
    },
  });
}
