// Sends every error, Fastify's own included, as `{ error: { code, message, details } }` with the status the table gives.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '@twofold/core';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { correlationIdHeader } from './correlation-id.js';
import { describeError } from './error-response.js';
import type { HttpApp } from './http-app.js';

/** Answers with the error's status and body, logging server-side failures with their cause. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const described = describeError(error);
  const fields = { code: described.body.error.code, status: described.status };
  if (described.logLevel === 'info') request.log.info(fields, described.body.error.message);
  else request.log[described.logLevel]({ ...fields, err: error }, 'request failed');
  return reply
    .code(described.status)
    .header(correlationIdHeader, request.id)
    .headers(described.headers)
    .type('application/json; charset=utf-8')
    .send(described.body);
}

/** Installs the error and not-found handlers on the root so every scope inherits them. */
export function installErrorHandling(app: HttpApp): void {
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    return sendError(request, reply, new NotFound('route', `${request.method} ${path}`));
  });
}

/** Errors Fastify raises before a request reaches the router (a malformed URL, an overlong parameter). */
export function frameworkErrors(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  void sendError(request, reply, error);
}

/** Errors on the socket before a request exists (malformed HTTP): answered in the same shape, then closed. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message, details: {} } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
