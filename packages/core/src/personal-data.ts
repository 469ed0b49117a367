// Crypto-shredding, the pure half: which event fields hold personal data, the sealed form they are stored in, the
// vault port that seals and opens them, and the event store that seals on append and opens (or redacts) on read.
import type { EventStore, ReadAllOptions, ReadStreamOptions, StreamAppend } from './event-store.js';
import type { Event, StoredEvent } from './messages.js';

/** What a personal value reads as once its subject is forgotten. */
export const forgottenValue = '[forgotten]';

/**
 * A personal value as stored: self-describing, so a reader tells it from a value written in clear (before sealing
 * was on) by its shape alone. `fields` lists the keys of a sealed object, so a forgotten one keeps its shape.
 */
export interface SealedValue {
  /** The cipher, e.g. `aes-256-gcm`. */
  readonly $sealed: string;
  /** The data key that sealed it: deleting that key forgets the value. */
  readonly keyId: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
  readonly fields?: readonly string[];
}

/** The personal data of one event type: the data field naming whose it is, and the fields that hold it. */
export interface PersonalFieldsOf {
  /** The field of the event's data holding the subject's id (e.g. `customerId`); the subject's data key seals the fields. */
  readonly subject: string;
  /** Top-level fields of the event's data, each a string or a flat record of strings. */
  readonly fields: readonly string[];
}

/** Personal fields by event type. */
export type PersonalFields = Readonly<Record<string, PersonalFieldsOf>>;

/** A value to seal with its subject's data key. */
export interface ValueToSeal {
  readonly subject: string;
  readonly value: unknown;
}

/** The port to the data keys: one key per subject, made on first use; forgetting a subject deletes its keys. */
export interface PersonalDataVault {
  /** Seals each value (JSON) with its subject's data key, in order. */
  seal(values: readonly ValueToSeal[]): Promise<SealedValue[]>;
  /**
   * Opens each sealed value, in order: `{ value }`, or undefined when its key is gone (forgotten). Throws when a
   * value was tampered with or the vault's master key is not the one that wrapped the data key.
   */
  open(sealed: readonly SealedValue[]): Promise<({ readonly value: unknown } | undefined)[]>;
  /** Deletes the subject's data key; resolves with how many keys there were (0: nothing left to forget). */
  forget(subject: string): Promise<number>;
}

export const isSealed = (value: unknown): value is SealedValue =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SealedValue).$sealed === 'string' &&
  typeof (value as SealedValue).keyId === 'string' &&
  typeof (value as SealedValue).ciphertext === 'string';

/** A forgotten value: a record with each of its fields `[forgotten]`, or `[forgotten]` itself. */
export const redacted = (sealed: SealedValue): unknown =>
  sealed.fields === undefined ? forgottenValue : Object.fromEntries(sealed.fields.map((field) => [field, forgottenValue]));

interface FieldSlot {
  readonly data: Record<string, unknown>;
  readonly field: string;
}

const dataOf = (event: Event): Record<string, unknown> | undefined =>
  typeof event.data === 'object' && event.data !== null ? (event.data as Record<string, unknown>) : undefined;

/** Seals the personal fields of events (those not sealed yet), with one call to the vault for all of them. */
export async function sealEvents<E extends Event>(events: readonly E[], vault: PersonalDataVault, personal: PersonalFields): Promise<E[]> {
  const slots: FieldSlot[] = [];
  const toSeal: ValueToSeal[] = [];
  const copies = events.map((event) => {
    const declared = personal[event.type];
    const data = dataOf(event);
    if (declared === undefined || data === undefined) return event;
    const subject = data[declared.subject];
    const fields = declared.fields.filter((field) => data[field] !== undefined && data[field] !== null && !isSealed(data[field]));
    if (fields.length === 0) return event;
    if (typeof subject !== 'string' || subject === '') throw new TypeError(`${event.type}: personal data needs its subject in data.${declared.subject}`);
    const copy = { ...data };
    for (const field of fields) {
      slots.push({ data: copy, field });
      toSeal.push({ subject, value: data[field] });
    }
    return { ...event, data: copy };
  });
  if (toSeal.length === 0) return [...events];
  const sealed = await vault.seal(toSeal);
  slots.forEach(({ data, field }, index) => (data[field] = sealed[index]));
  return copies;
}

/** Opens the sealed personal fields of events, with one call to the vault; a forgotten one reads redacted. */
export async function openEvents<E extends Event>(events: readonly E[], vault: PersonalDataVault, personal: PersonalFields): Promise<E[]> {
  const slots: FieldSlot[] = [];
  const sealed: SealedValue[] = [];
  const copies = events.map((event) => {
    const declared = personal[event.type];
    const data = dataOf(event);
    if (declared === undefined || data === undefined) return event;
    const fields = declared.fields.filter((field) => isSealed(data[field]));
    if (fields.length === 0) return event;
    const copy = { ...data };
    for (const field of fields) {
      slots.push({ data: copy, field });
      sealed.push(data[field] as SealedValue);
    }
    return { ...event, data: copy };
  });
  if (sealed.length === 0) return [...events];
  const opened = await vault.open(sealed);
  slots.forEach(({ data, field }, index) => (data[field] = opened[index] === undefined ? redacted(sealed[index]!) : opened[index]!.value));
  return copies;
}

/**
 * The store with personal data sealed: appends seal the declared fields with their subject's data key; reads open
 * them, or redact them when the key is gone. Values written in clear (before sealing was on) read as they are.
 */
export function personalDataEventStore<S extends EventStore>(store: S, vault: PersonalDataVault, personal: PersonalFields): S {
  const sealed = async (appends: readonly StreamAppend[]): Promise<StreamAppend[]> => {
    const events = await sealEvents(appends.flatMap((append) => append.events), vault, personal);
    let next = 0;
    return appends.map((append) => ({ ...append, events: events.slice(next, (next += append.events.length)) }));
  };
  const opened = (events: readonly StoredEvent[]): Promise<StoredEvent[]> => openEvents(events, vault, personal);
  return Object.assign(Object.create(store) as S, {
    appendToStream: async (...[streamId, events, ...rest]: Parameters<EventStore['appendToStream']>) =>
      store.appendToStream(streamId, await sealEvents(events, vault, personal), ...rest),
    appendToStreams: async (...[appends, ...rest]: Parameters<EventStore['appendToStreams']>) => store.appendToStreams(await sealed(appends), ...rest),
    readStream: async (streamId: string, options?: ReadStreamOptions) => opened(await store.readStream(streamId, options)),
    readAll: async (options: ReadAllOptions) => opened(await store.readAll(options)),
  });
}
