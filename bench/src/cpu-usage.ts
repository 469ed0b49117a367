// Where a window's CPU went, from /proc: the machine's busy time, the shop's process, and the PostgreSQL backends
// of its database by role (their application_name, `twofold <role> pid …`). What is left is the load generator,
// the bench runner and the system. Read before and after a window; Linux only (elsewhere the figures are absent).
import { readFile, readdir } from 'node:fs/promises';
import pg from 'pg';

/** Cores' worth of CPU time spent in a window, by part. */
export interface WindowCpu {
  /** How many cores the machine has. */
  readonly cores: number;
  /** Busy cores over the window (all processes, user, system and interrupts; not idle or I/O wait). */
  readonly machineBusy: number;
  /** The shop's process, every thread (HTTP, projector, the runtime's own). */
  readonly shop: number;
  /**
   * The shop's process by thread: its main thread (HTTP, commands, queries), the busiest other one (the projector's
   * thread where the daemon runs on one; a thread's name does not tell them apart) and the rest (garbage collection,
   * libuv's pool). Undefined where the threads could not be read.
   */
  readonly shopThreads?: ShopThreads | undefined;
  /** PostgreSQL backends connected to the shop's database, by pool role (commands, projector, reads, …). */
  readonly postgres: Readonly<Record<string, number>>;
  /** machineBusy minus the shop and its backends: the generator, the bench runner, the system. */
  readonly rest: number;
}

/** Ticks of a process (every thread) from the text of /proc/<pid>/stat: utime + stime. */
export function processTicks(statText: string): number {
  // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing one
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Busy and total ticks of the machine from the text of /proc/stat (its first, `cpu`, line). */
export function machineTicks(statText: string): { busy: number; total: number; cores: number } {
  const lines = statText.split('\n');
  const [, ...values] = lines[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + iowait!, cores: lines.filter((line) => /^cpu\d+ /.test(line)).length };
}

/** The role in an application_name of the shop's pools (`twofold commands pid 123` → commands), else `other`. */
export function roleOfApplication(applicationName: string): string {
  return /^twofold (\S+) pid \d+$/.exec(applicationName)?.[1] ?? 'other';
}

export interface ShopThreads {
  readonly main: number;
  readonly busiestOther: number;
  readonly rest: number;
}

export interface Snapshot {
  readonly machine: { busy: number; total: number; cores: number };
  readonly shop: number;
  /** thread id → ticks, the shop's main thread under the process id; empty where /proc/<pid>/task could not be read */
  readonly threads?: ReadonlyMap<number, number>;
  readonly shopPid?: number;
  /** backend pid → [role, ticks] */
  readonly backends: ReadonlyMap<number, readonly [string, number]>;
}

/** Ticks of /proc/<path>/stat: a process (`123`) or one of its threads (`123/task/124`). */
const ticksOf = async (path: string): Promise<number | undefined> => {
  try {
    return processTicks(await readFile(`/proc/${path}/stat`, 'utf8'));
  } catch {
    return undefined; // gone (a backend whose connection closed)
  }
};

export interface CpuMeter {
  /** Starts a window: returns a function that ends it and tells where its CPU went (undefined off Linux). */
  start(): Promise<() => Promise<WindowCpu | undefined>>;
  close(): Promise<void>;
}

/** Measures the machine, the shop's process `shopPid` and the backends of `databaseUrl`'s database (none for PGlite). */
export function createCpuMeter(shopPid: number, databaseUrl: string | undefined): CpuMeter {
  const client = databaseUrl === undefined ? undefined : new pg.Client({ connectionString: databaseUrl, application_name: 'twofold-bench cpu meter' });
  const connecting = client?.connect();

  async function backends(): Promise<Map<number, readonly [string, number]>> {
    const found = new Map<number, readonly [string, number]>();
    if (client === undefined) return found;
    await connecting;
    const { rows } = await client.query<{ pid: number; application_name: string }>(
      'SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    for (const { pid, application_name } of rows) {
      const ticks = await ticksOf(String(pid));
      if (ticks !== undefined) found.set(pid, [roleOfApplication(application_name), ticks]);
    }
    return found;
  }

  async function threads(): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    const tids = await readdir(`/proc/${shopPid}/task`).catch(() => [] as string[]);
    for (const tid of tids) {
      const ticks = await ticksOf(`${shopPid}/task/${tid}`);
      if (ticks !== undefined) found.set(Number(tid), ticks);
    }
    return found;
  }

  async function snapshot(): Promise<Snapshot | undefined> {
    const shop = await ticksOf(String(shopPid));
    if (shop === undefined) return undefined;
    return { machine: machineTicks(await readFile('/proc/stat', 'utf8')), shop, threads: await threads(), shopPid, backends: await backends() };
  }

  return {
    async start() {
      const before = process.platform === 'linux' ? await snapshot() : undefined;
      return async () => {
        const after = before === undefined ? undefined : await snapshot();
        return before === undefined || after === undefined ? undefined : windowCpu(before, after);
      };
    },
    close: async () => {
      await connecting?.catch(() => undefined);
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * The window between two snapshots, in cores. A backend seen only at the end counts from zero (it connected during
 * the window); one seen only at the start is left out (its time went with it), so the rest may hold a little of it.
 */
export function windowCpu(before: Snapshot, after: Snapshot): WindowCpu {
  const total = after.machine.total - before.machine.total;
  const cores = after.machine.cores;
  // ticks of one core over the window: the machine's total ticks are summed over its cores
  const coreTicks = total / cores;
  const asCores = (ticks: number): number => (coreTicks > 0 ? ticks / coreTicks : 0);
  const postgres: Record<string, number> = {};
  for (const [pid, [role, ticks]] of after.backends) {
    const earlier = before.backends.get(pid)?.[1] ?? 0;
    postgres[role] = (postgres[role] ?? 0) + asCores(ticks - earlier);
  }
  const machineBusy = asCores(after.machine.busy - before.machine.busy);
  const shop = asCores(after.shop - before.shop);
  const postgresTotal = Object.values(postgres).reduce((sum, value) => sum + value, 0);
  return { cores, machineBusy, shop, shopThreads: threadsOf(before, after, asCores), postgres, rest: Math.max(0, machineBusy - shop - postgresTotal) };
}

/** The shop's threads over the window (a thread seen only at the end counts from zero, like a backend). */
function threadsOf(before: Snapshot, after: Snapshot, asCores: (ticks: number) => number): ShopThreads | undefined {
  const { threads, shopPid } = after;
  if (threads === undefined || shopPid === undefined || !threads.has(shopPid)) return undefined;
  let main = 0;
  const others: number[] = [];
  for (const [tid, ticks] of threads) {
    const spent = asCores(ticks - (before.threads?.get(tid) ?? 0));
    if (tid === shopPid) main = spent;
    else others.push(spent);
  }
  const busiestOther = others.length === 0 ? 0 : Math.max(...others);
  return { main, busiestOther, rest: others.reduce((sum, value) => sum + value, 0) - busiestOther };
}

/** `1.9 of 2 cores busy: shop 0.9; PostgreSQL 0.6 (projector 0.4, commands 0.1, reads 0.1); rest 0.4` */
export function describeWindowCpu(cpu: WindowCpu): string {
  const one = (value: number): string => value.toFixed(2);
  const roles = Object.entries(cpu.postgres).sort(([, a], [, b]) => b - a);
  const postgresTotal = roles.reduce((sum, [, value]) => sum + value, 0);
  const postgres = roles.length === 0 ? '' : `; PostgreSQL ${one(postgresTotal)} (${roles.map(([role, value]) => `${role} ${one(value)}`).join(', ')})`;
  return `${one(cpu.machineBusy)} of ${cpu.cores} cores busy: shop ${one(cpu.shop)}${postgres}; rest ${one(cpu.rest)}`;
}
