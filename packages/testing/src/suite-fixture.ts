// The fixture a contract suite shares across its tests: opened before the first, closed after the last.
import { afterAll, beforeAll } from 'vitest';

/** Registers the suite's hooks; the returned getter gives the open fixture while the tests run. */
export function suiteFixture<Fixture extends { close(): Promise<void> }>(factory: () => Promise<Fixture>): () => Fixture | undefined {
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    fixture = await factory();
  });
  afterAll(async () => {
    await fixture?.close();
  });
  return () => fixture;
}
