// /health/live and /health/ready, including a failing and a hanging readiness check.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.fixture.js';

let fixture: Awaited<ReturnType<typeof createTestApp>>;
afterEach(() => fixture.close());

describe('health routes', () => {
  it('answers live and ready with 200 ok when the readiness check passes', async () => {
    fixture = await createTestApp();
    for (const url of ['/health/live', '/health/ready']) {
      const response = await fixture.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    }
  });

  it('names the open transaction that holds log readers back in the ready answer, and stays ready', async () => {
    const transactionStartedAt = new Date('2026-12-06T09:00:00.000Z');
    fixture = await createTestApp({ readersHeldBack: () => ({ forMs: 6_123.4, pid: 4242, applicationName: 'twofold projector', state: 'idle in transaction', transactionStartedAt }) });
    const response = await fixture.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      readersHeldBack: { forMs: 6_123, pid: 4242, applicationName: 'twofold projector', state: 'idle in transaction', transactionStartedAt: '2026-12-06T09:00:00.000Z' },
    });
  });

  it('answers ready with 503 in the error shape, without the cause, when the check fails', async () => {
    fixture = await createTestApp({ ready: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432')) });
    const response = await fixture.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toEqual({ error: { code: 'store_unavailable', message: 'the service is not ready', details: {} } });
    expect((await fixture.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('answers ready with 503 when the check hangs past its timeout', async () => {
    fixture = await createTestApp({ ready: () => new Promise(() => {}) });
    const response = await fixture.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(503);
  });
});
