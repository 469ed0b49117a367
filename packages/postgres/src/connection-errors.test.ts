// Connection failures become StoreUnavailable, told apart by whether the statement may have run.
import { StoreUnavailable } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { isConnectionError, notApplied, translateConnectionError } from './connection-errors.js';

describe('translateConnectionError', () => {
  it('marks a lost connection after the statement was written as statementSent', () => {
    const error = translateConnectionError(new Error('Connection terminated unexpectedly'), 'PostgreSQL', { statementSent: true });
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((error as StoreUnavailable).statementSent).toBe(true);
  });

  it('does not when the driver refused the statement before writing it, or when nothing was sent', () => {
    const refused = translateConnectionError(new Error('Client has encountered a connection error and is not queryable'), 'PostgreSQL', { statementSent: true });
    expect((refused as StoreUnavailable).statementSent).toBe(false);
    const connect = translateConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    expect((connect as StoreUnavailable).statementSent).toBe(false);
  });

  it('leaves statement errors alone, and notApplied clears statementSent (a transaction that never reached COMMIT)', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(translateConnectionError(unique, 'PostgreSQL', { statementSent: true })).toBe(unique);
    const sent = new StoreUnavailable('lost', { statementSent: true });
    expect((notApplied(sent) as StoreUnavailable).statementSent).toBe(false);
    expect(notApplied(unique)).toBe(unique);
  });

  it('makes a session the server ended for idling in its transaction a store outage, not a failed statement', () => {
    const ended = Object.assign(new Error('terminating connection due to idle-in-transaction timeout'), { code: '25P03' });
    expect(isConnectionError(ended)).toBe(true);
    const translated = translateConnectionError(ended, 'PostgreSQL');
    expect(translated).toBeInstanceOf(StoreUnavailable);
    expect((translated as StoreUnavailable).cause).toBe(ended);
  });

  it('leaves a statement error as it is', () => {
    const violation = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(isConnectionError(violation)).toBe(false);
    expect(translateConnectionError(violation)).toBe(violation);
  });
});
