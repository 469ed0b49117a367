// The metadata each event of a command inherits: who asked, and which request it belongs to.
import type { CommandMetadata, EventMetadata } from '../messages.js';

export const eventMetadataFor = (metadata: CommandMetadata): EventMetadata => ({
  correlationId: metadata.correlationId,
  causationId: metadata.causationId ?? metadata.correlationId,
  ...(metadata.actor === undefined ? {} : { actor: metadata.actor }),
  ...(metadata.commandId === undefined ? {} : { commandId: metadata.commandId }),
});
