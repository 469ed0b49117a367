// Answers the HTTP layer's own refusals (401, 403, 429, 503 while shutting down) in the Twofold error shape.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdHeader } from './correlation-id.js';
import type { ErrorResponse } from './error-response.js';

export interface HttpErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

export function sendHttpError(request: FastifyRequest, reply: FastifyReply, answer: HttpErrorAnswer): FastifyReply {
  const body: ErrorResponse = { error: { code: answer.code, message: answer.message, details: answer.details ?? {} } };
  return reply
    .code(answer.status)
    .header(correlationIdHeader, request.id)
    .headers(answer.headers ?? {})
    .type('application/json; charset=utf-8')
    .send(body);
}
