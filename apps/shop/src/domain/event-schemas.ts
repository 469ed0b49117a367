// The shop's event schemas: the version each event type is written with, and how older stored shapes are read.
import { defineEventSchemas, type EventStore, evolvingEventStore, personalDataEventStore, type PersonalDataVault } from '@twofold/core';
import { shopPersonalFields } from './personal-fields.js';

interface ProductRestockedV1 {
  readonly sku: string;
  readonly quantity: number;
}

export const shopEventSchemas = defineEventSchemas({
  // v2 renamed quantity to added
  ProductRestocked: { version: 2, upcasters: { 1: (data) => ({ sku: (data as ProductRestockedV1).sku, added: (data as ProductRestockedV1).quantity }) } },
});

/**
 * The event store as the shop reads and writes it: current versions written, older ones upcast on every read; with
 * a vault, personal fields sealed on append and opened (or read `[forgotten]`) before upcasting.
 */
export const shopEventStore = <S extends EventStore>(store: S, vault?: PersonalDataVault): S =>
  evolvingEventStore(vault === undefined ? store : personalDataEventStore(store, vault, shopPersonalFields), shopEventSchemas);
