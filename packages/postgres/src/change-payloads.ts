// What the stores say of a committed change in a notification's payload: the head an append reached, the checkpoints a batch moved.
import { compareCursors, type CheckpointMove, type LogHead } from '@twofold/core';

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The channel appends are announced on, by a NOTIFY sent after each append commits. */
export const eventsChannel = 'twofold_events';

/** One line: the newest event an append committed. */
export const encodeHead = (head: LogHead): string => JSON.stringify([head.cursor.transactionId, head.cursor.position, head.recordedAt.getTime()]);

/** The newest head the payload's lines name; undefined when there is none or any line is not one (then the listener must look). */
export function decodeHead(payload: string | undefined): LogHead | undefined {
  if (payload === undefined) return undefined;
  let newest: LogHead | undefined;
  for (const line of payload.split('\n')) {
    const value = parseLine(line);
    if (!Array.isArray(value) || value.length !== 3 || !isCount(value[0]) || !isCount(value[1]) || !isTime(value[2])) return undefined;
    const head = { cursor: { transactionId: value[0], position: value[1] }, recordedAt: new Date(value[2]) };
    if (newest === undefined || compareCursors(head.cursor, newest.cursor) > 0) newest = head;
  }
  return newest;
}

/** One line: a live checkpoint's move. */
export const encodeMove = (move: CheckpointMove): string =>
  JSON.stringify([move.name, move.cursor.transactionId, move.cursor.position, move.lastEventAt?.getTime() ?? null]);

/** Every move the payload's lines name, in order; undefined when there is none or any line is not one. */
export function decodeMoves(payload: string | undefined): readonly CheckpointMove[] | undefined {
  if (payload === undefined) return undefined;
  const moves: CheckpointMove[] = [];
  for (const line of payload.split('\n')) {
    const value = parseLine(line);
    if (!Array.isArray(value) || value.length !== 4 || typeof value[0] !== 'string' || !isCount(value[1]) || !isCount(value[2])) return undefined;
    if (value[3] !== null && !isTime(value[3])) return undefined;
    moves.push({ name: value[0], cursor: { transactionId: value[1], position: value[2] }, lastEventAt: value[3] === null ? undefined : new Date(value[3]) });
  }
  return moves;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
