// wrk's Lua script and the result line its done() prints: paths quoted for Lua, figures read back in ms.
import { describe, expect, it } from 'vitest';
import { parseWrkOutput, wrkScript } from './wrk.js';

describe('wrkScript', () => {
  it('lists the paths as Lua strings, escaped, and picks one at random per request', () => {
    const script = wrkScript(['/api/orders/seed-1', '/api/orders?q="c1"\\']);
    expect(script).toContain('local paths = { "/api/orders/seed-1", "/api/orders?q=\\"c1\\"\\\\" }');
    expect(script).toContain('wrk.format("GET", paths[math.random(count)])');
    // no response() hook: wrk counts statuses ≥ 400 itself, without handing each answer to Lua
    expect(script).not.toMatch(/function response/);
  });

  it('paces each thread with a schedule of send times when asked for a rate, and only then', () => {
    const paced = wrkScript(['/a'], { perThreadPerSec: 4_150 });
    expect(paced).toContain('function delay()');
    expect(paced).toContain(`local intervalMs = ${1000 / 4_150}`);
    expect(paced).toContain('clock_gettime');
    expect(wrkScript(['/a'])).not.toContain('function delay()');
    expect(() => wrkScript(['/a'], { perThreadPerSec: 0 })).toThrow(RangeError);
  });

  it('refuses an empty list of paths', () => {
    expect(() => wrkScript([])).toThrow(/at least one path/);
  });
});

describe('parseWrkOutput', () => {
  const report = [
    'Running 1s test @ http://127.0.0.1:3000',
    '  2 threads and 32 connections',
    'TWOFOLD_WRK_RESULT {"requests":5000,"durationUs":1000000,"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},"latencyUs":{"p50":1500,"p90":3000,"p99":9250,"max":20000,"mean":1800.5}}',
    'Requests/sec:   5000.00',
  ].join('\n');

  it('reads the done() line among wrk\'s own report: rate, every kind of error, latencies in ms', () => {
    const result = parseWrkOutput(report);
    expect(result.requests).toBe(5_000);
    expect(result.requestsPerSec).toBe(5_000);
    expect(result.errors).toBe(6);
    expect(result.errorsByKind.status).toBe(3);
    expect(result.latencyMs).toEqual({ p50Ms: 1.5, p90Ms: 3, p99Ms: 9.25, maxMs: 20, meanMs: 1.801 });
  });

  it('fails with wrk\'s output when the script printed nothing', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:3000 Connection refused')).toThrow(/no result line/);
  });
});
