// The JSON error shape `{ error: { code, message, details } }` and the translation of any thrown value into it.
import { OutcomeUnknown, Overloaded, StoreUnavailable, TwofoldError } from '@twofold/core';
import { Type, type Static } from '@sinclair/typebox';
import { statusOfError } from './error-statuses.js';

export const errorResponseSchemaId = 'TwofoldErrorResponse';

/** Every non-2xx answer has this body. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, machine-readable, e.g. insufficient_stock' }),
      message: Type.String({ description: 'for people; never contains internals' }),
      details: Type.Object({}, { additionalProperties: true, description: 'structured facts about the error' }),
    }),
  },
  { $id: errorResponseSchemaId, title: 'Error', description: 'An error: see error.code' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** A reference to the shared error schema, for route `response` maps ('4xx', '5xx'). */
export const errorResponseRef = Type.Unsafe<ErrorResponse>({ $ref: `${errorResponseSchemaId}#` });

export interface ErrorReply {
  readonly status: number;
  readonly body: ErrorResponse;
  readonly headers: Readonly<Record<string, string>>;
  /** 5xx are logged as errors (503 as a warning); 4xx are the caller's business. */
  readonly logLevel: 'info' | 'warn' | 'error';
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly validation?: unknown;
  readonly validationContext?: unknown;
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

// Fastify's own client errors, by their code
const fastifyErrors: Readonly<Record<string, { status: number; code: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' }, // includes prototype-poisoning refusals
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long' },
};

// codes for other 4xx that carry a statusCode, by status
const clientErrorCodes: Readonly<Record<number, string>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'body_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'headers_too_large',
};

const reply = (status: number, code: string, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): ErrorReply => ({
  status,
  body: { error: { code, message, details } },
  headers,
  logLevel: status === 503 ? 'warn' : status >= 500 ? 'error' : 'info',
});

/** Translates anything thrown into a status, headers and the error body. Unknown errors answer 500 without their message. */
export function describeError(error: unknown): ErrorReply {
  const status = statusOfError(error);
  if (status !== undefined && error instanceof TwofoldError) {
    // an unknown outcome invites a retry only when the command carried an Idempotency-Key (applied at most once)
    const retry = error instanceof StoreUnavailable || error instanceof Overloaded || (error instanceof OutcomeUnknown && error.retrySafe);
    const headers: Record<string, string> = retry ? { 'retry-after': '1' } : {};
    return reply(status, error.code, error.message, { ...error.details }, headers);
  }
  if (typeof error !== 'object' || error === null || error instanceof TwofoldError) return internal();
  const candidate = error as FastifyLikeError;
  const statusCode = typeof candidate.statusCode === 'number' ? candidate.statusCode : undefined;
  const message = typeof candidate.message === 'string' ? candidate.message : '';

  if (Array.isArray(candidate.validation)) {
    const issues = (candidate.validation as ValidationIssue[]).map((issue) => ({
      path: issue.instancePath ?? '',
      message: issue.message ?? 'is invalid',
      keyword: issue.keyword ?? 'unknown',
      params: issue.params ?? {},
    }));
    const location = typeof candidate.validationContext === 'string' ? candidate.validationContext : 'request';
    return reply(400, 'invalid_input', message || `invalid ${location}`, { location, issues });
  }
  // a custom JSON parser's SyntaxError, which Fastify marks with status 400
  if (error instanceof SyntaxError && statusCode === 400) return reply(400, 'invalid_json', message);
  const known = typeof candidate.code === 'string' ? fastifyErrors[candidate.code] : undefined;
  if (known !== undefined) return reply(known.status, known.code, message);
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return reply(statusCode, clientErrorCodes[statusCode] ?? 'client_error', message);
  }
  return internal();
}

const internal = (): ErrorReply => reply(500, 'internal', 'internal error');
