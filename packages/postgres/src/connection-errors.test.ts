import { StoreUnavailable } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { isConnectionError, translateConnectionError } from './connection-errors.js';

describe('translateConnectionError', () => {
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
