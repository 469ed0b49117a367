// The tail follower: reads the whole stream, headers only, to learn where it ends and which partitions it saw
// messages of, so that a partition with nothing unapplied counts as at the tail without a new event in it.
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { sleep } from '@twofold/core';
import { readOrdered } from './ordered-reader.js';
import { checkClearBeforeUntilAnswered } from './partition-run.js';
import { parseEventSubject } from './partition-subjects.js';
import { partitionRunContext, type ProjectorContext } from './projector-context.js';
import { recordError } from './projector-progress.js';
import { cursorOfMessage, relayHeaders } from './relayed-event.js';

/** Follows the whole stream, headers only, to learn its tail and which partitions it saw messages of. */
export async function followTail(context: ProjectorContext, js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
  const { settings, tail, runs, announcer, streamEnd } = context;
  const { streamName, subjectPrefix, logger } = settings;
  const startAfter = await sequenceBeforeLast(context, jsm, signal);
  await readOrdered({
    js, streamName, filter: `${subjectPrefix}.>`, headersOnly: true, batchSize: 1_000, signal, logger,
    after: () => tail.tail?.sequence ?? startAfter ?? 0,
    behind: (delivered) => streamEnd.lastSequence > delivered,
    onCreated: (after) => {
      tail.restarted(after);
      announcer.forget();
      for (const run of runs.values()) run.clearBefore = false;
      for (const run of runs.values()) void checkClearBeforeUntilAnswered(partitionRunContext(context, js, jsm), run);
    },
    onRecreate: () => void context.progress.recreated++,
    async handle(messages) {
      sawMessages(context, messages);
      announcer.schedule();
      return 'continue';
    },
  });
}

/**
 * Where the follower begins: from the stream's last message on (what came before is checked per partition, not
 * replayed); asked until answered, undefined if `signal` ends first.
 */
async function sequenceBeforeLast(context: ProjectorContext, jsm: JetStreamManager, signal: AbortSignal): Promise<number | undefined> {
  while (!signal.aborted) {
    try {
      return Math.max(0, (await jsm.streams.info(context.settings.streamName)).state.last_seq - 1);
    } catch (error) {
      recordError(context.progress, error);
      await sleep(1_000, signal);
    }
  }
  return undefined;
}

function sawMessages(context: ProjectorContext, messages: readonly JsMsg[]): void {
  const { settings, tail } = context;
  for (const message of messages) {
    const headers = message.headers;
    if (headers === undefined) continue;
    const { partition } = parseEventSubject(settings.subjectPrefix, message.subject);
    tail.saw(partition, { sequence: message.seq, cursor: cursorOfMessage(headers), lastEventAt: new Date(headers.get(relayHeaders.recordedAt)) });
  }
}
