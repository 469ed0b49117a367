// Tests' command processors: one shared per event store, as a server has one per process; or, with options, a
// writer of its own, as another process would be (its own cache, contending through the store's version checks).
import { createCommandProcessor, type CommandProcessor, type CommandProcessorOptions, type EventStore } from '@twofold/core';

const processors = new WeakMap<EventStore, CommandProcessor>();

export function processorFor(store: EventStore, ownWriter?: Omit<CommandProcessorOptions, 'eventStore'>): CommandProcessor {
  if (ownWriter !== undefined) return createCommandProcessor({ eventStore: store, cache: { maxEntries: 0 }, ...ownWriter });
  let processor = processors.get(store);
  if (processor === undefined) {
    processor = createCommandProcessor({ eventStore: store });
    processors.set(store, processor);
  }
  return processor;
}
