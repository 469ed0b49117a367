// An unknown command outcome is a 503 the client must not retry blindly: no Retry-After, and the command id to check.
import { OutcomeUnknown, StoreUnavailable } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { describeError } from './error-response.js';

describe('describeError for lost connections', () => {
  it('answers OutcomeUnknown 503 outcome_unknown without Retry-After, naming the command id and how to check', () => {
    const reply = describeError(new OutcomeUnknown('cmd-1'));
    expect(reply.status).toBe(503);
    expect(reply.headers).toEqual({});
    expect(reply.body.error).toMatchObject({ code: 'outcome_unknown', details: { commandId: 'cmd-1' } });
    expect(reply.body.error.message).toMatch(/Idempotency-Key/);
  });

  it('invites a retry (Retry-After) of an unknown outcome only when the command carried an Idempotency-Key', () => {
    const reply = describeError(new OutcomeUnknown('cmd-1', { retrySafe: true }));
    expect(reply.status).toBe(503);
    expect(reply.headers).toEqual({ 'retry-after': '1' });
    expect(reply.body.error).toMatchObject({ code: 'outcome_unknown', details: { commandId: 'cmd-1' } });
  });

  it('keeps Retry-After on store_unavailable, whether or not the statement was sent', () => {
    for (const statementSent of [false, true]) {
      const reply = describeError(new StoreUnavailable('PostgreSQL is unavailable', { statementSent }));
      expect(reply.status).toBe(503);
      expect(reply.headers).toEqual({ 'retry-after': '1' });
    }
  });
});
