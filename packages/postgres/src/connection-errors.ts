// Translation of connection failures (refused, reset, server shutdown, closed client) into core StoreUnavailable.
import { StoreUnavailable } from '@twofold/core';

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
// SQLSTATEs: class 08 connection exception; 57P01-57P03 shutdown / cannot connect now; 53300 too many connections;
// 25P03 the server ended a session left idle in its transaction (a stalled client): the work was not committed
const sqlStates = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);
const messages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end on the pool',
  'Client was closed and is not queryable',
  'PGlite is closed',
  // pg's query_timeout (our read timeout): no answer in time, the link is presumed lost and the connection discarded
  'Query read timeout',
];

/** True when the error says the database could not be reached, rather than that a statement failed. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (networkCodes.has(code) || sqlStates.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && messages.some((m) => message.includes(m))) return true;
  // Node reports a failed connect to every address of a host as an AggregateError
  return Array.isArray(errors) && errors.some(isConnectionError);
}

// pg refuses a query on a client it already knows is broken before writing anything to the socket
const refusedBeforeSending = ['is not queryable', 'Cannot use a pool after calling end on the pool'];

/**
 * StoreUnavailable (with the native error as cause) for connection failures; any other error unchanged.
 * `statementSent`: the failure came after the statement was written to the connection, so it may have run
 * (unless the driver refused it before writing, which its message tells).
 */
export function translateConnectionError(error: unknown, what = 'the database', options: { statementSent?: boolean; lostSession?: string } = {}): unknown {
  if (error instanceof StoreUnavailable || !isConnectionError(error)) return error;
  const detail = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  const statementSent = (options.statementSent ?? false) && !refusedBeforeSending.some((m) => detail.includes(m));
  return new StoreUnavailable(`${what} is unavailable: ${detail}`, {
    cause: error,
    statementSent,
    ...(statementSent && options.lostSession !== undefined ? { lostSession: options.lostSession } : {}),
  });
}

/** The same unavailability, known not to have applied anything (a transaction that never reached COMMIT). */
export function notApplied(error: unknown): unknown {
  return error instanceof StoreUnavailable && error.statementSent ? new StoreUnavailable(error.message, { cause: error.cause }) : error;
}
