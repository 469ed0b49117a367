// Where a window's CPU went: the /proc parsing, the roles of backends, and the arithmetic of a window.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createCpuMeter, describeWindowCpu, machineTicks, processTicks, roleOfApplication, windowCpu, type Snapshot } from './cpu-usage.js';

describe('processTicks', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    const stat = '4242 (node) S 1 4242 4242 0 -1 4194560 120 0 0 0 731 204 0 0 20 0 11 0 2500 1000 100';
    expect(processTicks(stat)).toBe(935);
  });

  it('counts fields after the last parenthesis, so a command name with spaces or parentheses does not shift them', () => {
    const stat = '77 (postgres: a (b) c) S 1 77 77 0 -1 4194560 120 0 0 0 50 7 0 0 20 0 1 0 2500 1000 100';
    expect(processTicks(stat)).toBe(57);
  });
});

describe('machineTicks', () => {
  const stat = ['cpu  100 5 40 800 10 3 2 0 0 0', 'cpu0 50 2 20 400 5 1 1 0 0 0', 'cpu1 50 3 20 400 5 2 1 0 0 0', 'intr 12345'].join('\n');

  it('counts user, nice, system, interrupts and steal as busy; idle and I/O wait only in the total', () => {
    expect(machineTicks(stat)).toEqual({ busy: 150, total: 960, cores: 2 });
  });
});

describe('roleOfApplication', () => {
  it("reads the pool's role from the shop's application_name", () => {
    expect(roleOfApplication('twofold projector pid 123')).toBe('projector');
    expect(roleOfApplication('twofold commands pid 9')).toBe('commands');
  });

  it('puts anything else under other', () => {
    expect(roleOfApplication('')).toBe('other');
    expect(roleOfApplication('psql')).toBe('other');
    expect(roleOfApplication('twofold projector')).toBe('other');
  });
});

describe('windowCpu', () => {
  // two cores, 10 s: 2,000 ticks in all, 1,000 per core
  const before: Snapshot = {
    machine: { busy: 1_000, total: 10_000, cores: 2 },
    shop: 500,
    backends: new Map([
      [11, ['commands', 100]],
      [12, ['projector', 200]],
      [13, ['projector', 300]],
    ] as const),
  };

  it('gives each part in cores: ticks over the ticks of one core', () => {
    const after: Snapshot = {
      machine: { busy: 2_800, total: 12_000, cores: 2 },
      shop: 1_300,
      backends: new Map([
        [11, ['commands', 150]],
        [12, ['projector', 400]],
        [13, ['projector', 400]],
      ] as const),
    };
    const cpu = windowCpu(before, after);
    expect(cpu.cores).toBe(2);
    expect(cpu.machineBusy).toBeCloseTo(1.8);
    expect(cpu.shop).toBeCloseTo(0.8);
    expect(cpu.postgres['commands']).toBeCloseTo(0.05);
    expect(cpu.postgres['projector']).toBeCloseTo(0.3);
    expect(cpu.rest).toBeCloseTo(1.8 - 0.8 - 0.35);
  });

  it('counts a backend that connected during the window from zero and leaves out one that closed', () => {
    const after: Snapshot = {
      machine: { busy: 2_000, total: 12_000, cores: 2 },
      shop: 600,
      backends: new Map([
        [12, ['projector', 250]],
        [14, ['reads', 80]],
      ] as const),
    };
    const cpu = windowCpu(before, after);
    expect(cpu.postgres).toEqual({ projector: expect.closeTo(0.05) as number, reads: expect.closeTo(0.08) as number });
    expect(cpu.rest).toBeCloseTo(1 - 0.1 - 0.13);
  });

  it("splits the shop's process by thread: its main thread (the process id), the busiest other, and the rest", () => {
    const threadsBefore = new Map([
      [4242, 300],
      [4250, 100],
      [4251, 50],
      [4252, 50],
    ]);
    const threadsAfter = new Map([
      [4242, 700],
      [4250, 400],
      [4251, 100],
      [4252, 60],
      // started during the window: counted from zero
      [4260, 40],
    ]);
    const cpu = windowCpu(
      { ...before, threads: threadsBefore, shopPid: 4242 },
      { machine: { busy: 2_800, total: 12_000, cores: 2 }, shop: 1_300, threads: threadsAfter, shopPid: 4242, backends: new Map() },
    );
    expect(cpu.shopThreads?.main).toBeCloseTo(0.4);
    expect(cpu.shopThreads?.busiestOther).toBeCloseTo(0.3);
    expect(cpu.shopThreads?.rest).toBeCloseTo(0.05 + 0.01 + 0.04);
  });

  it('gives no split where the threads were not read', () => {
    const after: Snapshot = { machine: { busy: 2_000, total: 12_000, cores: 2 }, shop: 600, backends: new Map() };
    expect(windowCpu(before, after).shopThreads).toBeUndefined();
    expect(windowCpu(before, { ...after, threads: new Map([[1, 5]]), shopPid: 4242 }).shopThreads).toBeUndefined();
  });

  it('never reports a negative rest', () => {
    const after: Snapshot = { machine: { busy: 1_010, total: 12_000, cores: 2 }, shop: 600, backends: new Map() };
    expect(windowCpu(before, after).rest).toBe(0);
  });
});

describe('describeWindowCpu', () => {
  it('names the busy cores, the shop, each pool from the busiest, and the rest', () => {
    expect(describeWindowCpu({ cores: 2, machineBusy: 1.914, shop: 0.9, postgres: { commands: 0.12, projector: 0.44 }, rest: 0.454 })).toBe(
      '1.91 of 2 cores busy: shop 0.90; PostgreSQL 0.56 (projector 0.44, commands 0.12); rest 0.45',
    );
  });

  it('leaves PostgreSQL out when the shop has no server (PGlite)', () => {
    expect(describeWindowCpu({ cores: 2, machineBusy: 1, shop: 0.8, postgres: {}, rest: 0.2 })).toBe('1.00 of 2 cores busy: shop 0.80; rest 0.20');
  });
});

describe.runIf(process.platform === 'linux')('createCpuMeter, on this machine', () => {
  it("measures this process's own work as the shop's", async () => {
    const meter = createCpuMeter(process.pid, undefined);
    try {
      const end = await meter.start();
      const started = process.cpuUsage();
      // at least 300 ms of CPU in this thread: many ticks of /proc's 10 ms
      while (process.cpuUsage(started).user < 300_000) Math.sqrt(Math.random());
      const cpu = await end();
      expect(cpu).toBeDefined();
      expect(cpu!.shop).toBeGreaterThan(0.05);
      expect(cpu!.machineBusy).toBeGreaterThanOrEqual(cpu!.shop - 0.05);
      expect(cpu!.postgres).toEqual({});
      expect(cpu!.shopThreads?.main).toBeGreaterThan(0.05);
    } finally {
      await meter.close();
    }
  });

  it('tells a busy worker thread apart from the main thread', async () => {
    const meter = createCpuMeter(process.pid, undefined);
    // the thread stays alive (waiting for a message) until the window is read: a thread that ended is no longer listed
    const spin =
      "const { parentPort } = require('node:worker_threads'); const s = process.cpuUsage(); while (process.cpuUsage(s).user < 400_000) Math.sqrt(Math.random()); parentPort.postMessage('done'); parentPort.once('message', () => parentPort.close());";
    try {
      const end = await meter.start();
      const worker = new Worker(spin, { eval: true });
      await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
      const cpu = await end();
      await worker.terminate();
      expect(cpu!.shopThreads!.busiestOther).toBeGreaterThan(cpu!.shopThreads!.main);
      expect(cpu!.shopThreads!.busiestOther).toBeGreaterThan(0.05);
    } finally {
      await meter.close();
    }
  });
});
