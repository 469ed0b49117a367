// One administration over several projection stores (SQL, Redis): each projection's operations go to the store that keeps it.
import { NotFound, compareCursors, cursorOf, type DeadLetter, type ProjectionAdministration } from '@twofold/core';

export type OperatorAdministration = Pick<
  ProjectionAdministration<unknown>,
  'setPaused' | 'requestRebuild' | 'readDeadLetters' | 'requestDeadLetterRetry' | 'dropDeadLetters'
>;

export interface AdministeredNames {
  readonly names: ReadonlySet<string>;
  readonly administration: OperatorAdministration;
}

export function administrationByName(stores: readonly AdministeredNames[]): OperatorAdministration {
  const of = (name: string): OperatorAdministration => {
    const found = stores.find((store) => store.names.has(name));
    if (found === undefined) throw new NotFound('projection', name);
    return found.administration;
  };
  return {
    // async, so an unknown name rejects like any other failure rather than throwing at the call
    setPaused: async (name, paused) => of(name).setPaused(name, paused),
    requestRebuild: async (name, version) => of(name).requestRebuild(name, version),
    async readDeadLetters(name) {
      if (name !== undefined) return of(name).readDeadLetters(name);
      const all: DeadLetter[] = [];
      for (const { names, administration } of stores) all.push(...(await administration.readDeadLetters()).filter((letter) => names.has(letter.projection)));
      return all.sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)));
    },
    requestDeadLetterRetry: async (name) => of(name).requestDeadLetterRetry(name),
    dropDeadLetters: async (name, ids) => of(name).dropDeadLetters(name, ids),
  };
}
