// The shop's event schemas: the version each event type is written with, and how older stored shapes are read.
import { defineEventSchemas, type EventStore, evolvingEventStore } from '@twofold/core';

interface ProductRestockedV1 {
  readonly sku: string;
  readonly quantity: number;
}

export const shopEventSchemas = defineEventSchemas({
  // v2 renamed quantity to added
  ProductRestocked: { version: 2, upcasters: { 1: (data) => ({ sku: (data as ProductRestockedV1).sku, added: (data as ProductRestockedV1).quantity }) } },
});

/** The event store as the shop reads and writes it: current versions written, older ones upcast on every read. */
export const shopEventStore = <S extends EventStore>(store: S): S => evolvingEventStore(store, shopEventSchemas);
