// Translation of Redis connection failures (refused, reset, closed client, retries exhausted, server loading) into core StoreUnavailable.
import { StoreUnavailable } from '@twofold/core';

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const messages = ['Connection is closed', "Stream isn't writeable", 'Reached the max retries per request limit', 'connect ETIMEDOUT', 'None of the sentinels are available'];
// replies of a server that is up but cannot serve yet (loading its data set, replica without primary, failover)
const replyPrefixes = ['LOADING ', 'MASTERDOWN ', 'TRYAGAIN ', 'CLUSTERDOWN '];

/** True when the error says Redis could not be reached or cannot serve now, rather than that a command failed. */
export function isRedisConnectionError(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, name, errors } = error as { code?: unknown; message?: unknown; name?: unknown; errors?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof code === 'string' && networkCodes.has(code)) return true;
  if (typeof message === 'string' && (messages.some((m) => message.includes(m)) || replyPrefixes.some((p) => message.startsWith(p)))) return true;
  return Array.isArray(errors) && errors.some(isRedisConnectionError);
}

/** StoreUnavailable (with the native error as cause) for connection failures; any other error unchanged. */
export function translateRedisError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || !isRedisConnectionError(error)) return error;
  const detail = error instanceof Error ? error.message || error.name : String(error);
  return new StoreUnavailable(`Redis is unavailable: ${detail}`, { cause: error });
}

/** Awaits a Redis call, rethrowing connection failures as StoreUnavailable. */
export async function redisCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw translateRedisError(error);
  }
}
