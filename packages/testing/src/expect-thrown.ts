// The shared `thenThrows` of the specifications: the run throws an instance of the class, for which the predicate holds.
import { expect } from 'vitest';

export type ErrorClass<Err extends Error> = abstract new (...args: never[]) => Err;

export function expectThrown<Err extends Error>(run: () => unknown, errorClass: ErrorClass<Err>, predicate?: (error: Err) => boolean): void {
  let decided: unknown;
  try {
    decided = run();
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    if (predicate !== undefined) expect(predicate(error as Err), `predicate failed for ${String(error)}`).toBe(true);
    return;
  }
  expect.fail(`expected ${errorClass.name} to be thrown, but the command decided ${JSON.stringify(decided)}`);
}
