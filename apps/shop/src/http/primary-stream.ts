// What a command route answers: the append, with the stream its consistency token names (the primary one of several).
import type { AppendResult } from '@twofold/core';
import type { CommandOutcome } from '@twofold/http';

/** The append's outcome naming `streamId`, not the first stream written, as the one the answer's token points at. */
export async function onPrimaryStream(streamId: string, appended: Promise<AppendResult>): Promise<CommandOutcome> {
  return { ...(await appended), streamId };
}
