// The one table that maps core errors to HTTP statuses.
import {
  CommandRejected,
  IdempotencyKeyUsed,
  IllegalTransition,
  InvalidCommand,
  NotFound,
  OutcomeUnknown,
  Overloaded,
  StoreUnavailable,
  StreamVersionConflict,
  type TwofoldError,
} from '@twofold/core';

type TwofoldErrorClass = abstract new (...args: never[]) => TwofoldError;

/** First match wins; a core error not listed here is a bug and answers 500. */
export const errorStatuses: ReadonlyArray<readonly [TwofoldErrorClass, number]> = [
  [InvalidCommand, 400],
  [NotFound, 404],
  [StreamVersionConflict, 409],
  [IllegalTransition, 409],
  [IdempotencyKeyUsed, 409],
  [CommandRejected, 422],
  [StoreUnavailable, 503],
  [Overloaded, 503],
  // no Retry-After: a blind retry may apply the command twice (the message says how to check)
  [OutcomeUnknown, 503],
];

/** The status for a core error, or undefined when it is not one the table maps. */
export function statusOfError(error: unknown): number | undefined {
  for (const [errorClass, status] of errorStatuses) if (error instanceof errorClass) return status;
  return undefined;
}
