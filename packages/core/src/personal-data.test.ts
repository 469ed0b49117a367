import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { logStart } from './messages.js';
import { forgottenValue, isSealed, personalDataEventStore, type PersonalDataVault, type PersonalFields, type SealedValue } from './personal-data.js';

/**
 * A stand-in for the port, so the store's own behaviour is tested apart from any cipher: it "seals" by keeping the
 * value in a table under a fresh id (the ciphertext is just that id), and forgets by dropping the subject's key.
 */
function tableVault(): PersonalDataVault & { seals: number; values: Map<string, unknown> } {
  const keys = new Map<string, string>();
  const values = new Map<string, unknown>();
  let next = 0;
  const vault = {
    seals: 0,
    values,
    async seal(items: readonly { subject: string; value: unknown }[]): Promise<SealedValue[]> {
      vault.seals++;
      return items.map(({ subject, value }) => {
        if (!keys.has(subject)) keys.set(subject, `key-${next++}`);
        const id = `v-${next++}`;
        values.set(id, structuredClone(value));
        const fields = typeof value === 'object' && value !== null ? Object.keys(value) : undefined;
        return { $sealed: 'table', keyId: keys.get(subject)!, iv: '', tag: '', ciphertext: id, ...(fields === undefined ? {} : { fields }) };
      });
    },
    async open(sealed: readonly SealedValue[]) {
      const live = new Set(keys.values());
      return sealed.map((value) => (live.has(value.keyId) ? { value: values.get(value.ciphertext) } : undefined));
    },
    async forget(subject: string) {
      return keys.delete(subject) ? 1 : 0;
    },
  };
  return vault;
}

const personal: PersonalFields = { Ordered: { subject: 'customerId', fields: ['customer', 'address', 'note'] } };
const ada = { customerId: 'c-1', total: 42, customer: { name: 'Ada Lovelace', email: 'ada@example.com' }, address: { line1: '12 Byron St', city: 'London' } };
const bob = { customerId: 'c-2', total: 7, customer: { name: 'Bob Babbage', email: 'bob@example.com' }, note: 'ring twice' };

describe('personalDataEventStore', () => {
  it('stores the declared fields sealed and reads them back opened, from a stream and from the log', async () => {
    const raw = inMemoryEventStore();
    const vault = tableVault();
    const store = personalDataEventStore(raw, vault, personal);
    await store.appendToStreams([
      { streamId: 'o-1', events: [{ type: 'Ordered', data: ada }, { type: 'Paid', data: { customerId: 'c-1', customer: 'not declared here' } }], expectedVersion: 'no_stream' },
      { streamId: 'o-2', events: [{ type: 'Ordered', data: bob }], expectedVersion: 'no_stream' },
    ]);

    expect(vault.seals).toBe(1); // one call for the whole append
    const stored = await raw.readAll({ after: logStart, limit: 10 });
    expect(JSON.stringify(stored)).not.toMatch(/Ada|ada@|Byron|Bob|ring twice/);
    expect(stored[0]!.data).toMatchObject({ customerId: 'c-1', total: 42 });
    expect(isSealed((stored[0]!.data as typeof ada).customer)).toBe(true);
    expect(stored[1]!.data).toEqual({ customerId: 'c-1', customer: 'not declared here' });

    expect((await store.readStream('o-1')).map((event) => event.data)).toEqual([ada, { customerId: 'c-1', customer: 'not declared here' }]);
    expect((await store.readAll({ after: logStart, limit: 10 })).map((event) => event.data)).toEqual([ada, { customerId: 'c-1', customer: 'not declared here' }, bob]);
  });

  it('reads a forgotten subject’s fields as [forgotten] in their shape, and everything else as it was', async () => {
    const raw = inMemoryEventStore();
    const vault = tableVault();
    const store = personalDataEventStore(raw, vault, personal);
    await store.appendToStream('o-1', [{ type: 'Ordered', data: ada }], { expectedVersion: 'no_stream' });
    await store.appendToStream('o-2', [{ type: 'Ordered', data: bob }], { expectedVersion: 'no_stream' });

    expect(await vault.forget('c-2')).toBe(1);
    expect(await vault.forget('c-2')).toBe(0);
    const [first, second] = await store.readAll({ after: logStart, limit: 10 });
    expect(first!.data).toEqual(ada);
    expect(second!.data).toEqual({ customerId: 'c-2', total: 7, customer: { name: forgottenValue, email: forgottenValue }, note: forgottenValue });
  });

  it('reads events written in clear (before sealing was on) as they are, and markers without data', async () => {
    const raw = inMemoryEventStore();
    await raw.appendToStream('o-1', [{ type: 'Ordered', data: ada }], { expectedVersion: 'no_stream' });
    const store = personalDataEventStore(raw, tableVault(), personal);
    expect((await store.readStream('o-1'))[0]!.data).toEqual(ada);
    await store.appendToStream('o-1', [{ type: 'Ordered', data: { customerId: 'c-1' } }], { expectedVersion: 1 });
    expect((await store.readAll({ after: logStart, limit: 10, types: ['Other'] })).length).toBe(2);
  });

  it('refuses personal data without its subject', async () => {
    const store = personalDataEventStore(inMemoryEventStore(), tableVault(), personal);
    await expect(store.appendToStream('o-1', [{ type: 'Ordered', data: { customer: { name: 'x' } } }], { expectedVersion: 'no_stream' })).rejects.toThrow(
      /Ordered: personal data needs its subject in data.customerId/,
    );
  });

  it('round-trips any mix of subjects and fields, and redacts exactly the forgotten subjects', async () => {
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const order = fc.record(
      { customerId: fc.constantFrom('c-1', 'c-2', 'c-3'), total: fc.nat(), customer: fc.option(fc.record({ name: text, email: text }), { nil: undefined }), note: fc.option(text, { nil: undefined }) },
      { requiredKeys: ['customerId', 'total'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(order, { minLength: 1, maxLength: 8 }), fc.subarray(['c-1', 'c-2', 'c-3']), async (orders, forgotten) => {
        const vault = tableVault();
        const store = personalDataEventStore(inMemoryEventStore(), vault, personal);
        await store.appendToStream('s', orders.map((data) => ({ type: 'Ordered', data })), { expectedVersion: 'no_stream' });
        for (const subject of forgotten) await vault.forget(subject);
        const read = (await store.readStream('s')).map((event) => event.data);
        const redact = (value: unknown) => (typeof value === 'object' && value !== null ? Object.fromEntries(Object.keys(value).map((k) => [k, forgottenValue])) : forgottenValue);
        const expected = orders.map((data) =>
          !forgotten.includes(data.customerId)
            ? data
            : { ...data, ...(data.customer === undefined ? {} : { customer: redact(data.customer) }), ...(data.note === undefined ? {} : { note: redact(data.note) }) },
        );
        expect(read).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
