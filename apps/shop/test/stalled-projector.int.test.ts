// A projector stopped (SIGSTOP) in the middle of a batch, on PostgreSQL: the standby takes its leases once they expire,
// its open transaction is ended by the server so token reads stall only that long, after SIGCONT it commits nothing
// (fenced), and every read model ends equal to a build from scratch.
import { createProjectionDaemon, type EventStore } from '@twofold/core';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopProcessManagers } from '../src/processes/shop-processes.js';
import { shopProjections } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const leaseTtlMs = 3_000;
const idleInTransactionTimeoutMs = 2_000;
const stopMs = 6_000;
// a stall the test tolerates on top of the bounds: the standby's lease polls, its first batch, the read's own round trip
const marginMs = 1_500;
const skus = ['STALL-1', 'STALL-2', 'STALL-3'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const holderPid = (holder: string): number => Number(/ pid (\d+) /.exec(holder)?.[1]);

/** Every row of every shop read model, as text, in a stable order. */
async function dumpReadModels(client: PostgresClient): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of shopProjections.flatMap((p) => p.tables ?? [])) {
    const { rows } = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
    dump[table] = rows.map((r) => r.row);
  }
  return dump;
}

describe('a stalled projector on PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  const clients: PostgresClient[] = [];
  const processes: ShopProcess[] = [];
  let events: TestDatabase;
  let observer: PostgresClient;
  beforeAll(async () => {
    events = await createTestDatabase();
    databases.push(events);
    observer = await openSqlClient(events.url);
    clients.push(observer);
    await migrate(observer);
    // records who moved each checkpoint, in the transaction that moved it: only committed moves stay
    await observer.query(`CREATE TABLE test_checkpoint_moves (name text, application_name text, moved_at timestamptz DEFAULT clock_timestamp())`);
    await observer.query(`CREATE FUNCTION test_record_move() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO test_checkpoint_moves (name, application_name) VALUES (NEW.name, current_setting('application_name'));
        RETURN NEW;
      END $$`);
    await observer.query(`CREATE TRIGGER test_record_move AFTER UPDATE OF position ON twofold_checkpoints FOR EACH ROW
      WHEN (OLD.position IS DISTINCT FROM NEW.position) EXECUTE FUNCTION test_record_move()`);
  });
  afterAll(async () => {
    for (const running of processes) {
      if (running.child.pid !== undefined && running.child.exitCode === null) running.child.kill('SIGCONT');
    }
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    for (const client of clients) await client.close();
    for (const database of databases) await database.drop();
  });

  const leases = async (): Promise<{ name: string; holder: string; token: number }[]> =>
    (await observer.query<{ name: string; holder: string; token: string }>('SELECT name, holder, token FROM twofold_leases ORDER BY name')).rows.map((r) => ({ ...r, token: Number(r.token) }));

  it('hands the stalled holder’s leases to the standby, bounds the readers’ stall, and fences the holder when it resumes', { timeout: 180_000 }, async () => {
    const env = {
      LOG_LEVEL: 'warn',
      TWOFOLD_LEASE_TTL_MS: String(leaseTtlMs),
      TWOFOLD_LEASE_RETRY_MS: '100',
      TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(idleInTransactionTimeoutMs),
    };
    const web = await spawnShop(['--store', events.url, '--role', 'command,query'], env);
    processes.push(web);
    const holder = await spawnShop(['--store', events.url, '--role', 'projector'], env);
    processes.push(holder);
    const holderApp = `twofold projector pid ${holder.child.pid}`;
    // a projector process also runs the process managers (their leases beside the log, here the same database)
    const names = [...shopProjections, ...shopProcessManagers].map((p) => p.name).sort();
    const heldBy = async (pid: number): Promise<boolean> => {
      const rows = await leases();
      return rows.length === names.length && rows.every((row) => holderPid(row.holder) === pid && names.includes(row.name));
    };
    for (let i = 0; !(await heldBy(holder.child.pid!)); i++) {
      if (i > 200) throw new Error(`the first projector never took every lease: ${JSON.stringify(await leases())}`);
      await sleep(50);
    }
    const standby = await spawnShop(['--store', events.url, '--role', 'projector'], env);
    processes.push(standby);

    for (const sku of skus) expect((await request(web.url, 'POST', '/api/products', product(sku, 1_000_000))).status).toBe(202);

    // orders keep coming, each read back through the query process with its token
    let writing = true;
    let placed = 0;
    const reads: Promise<{ ms: number; status: number; consistency: string | null; at: number }>[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const orderId = `stall-${i}`;
        const answer = await request(web.url, 'POST', '/api/orders', { orderId, customerId: `c-${i % 7}`, currency: 'EUR', lines: [{ sku: skus[i % skus.length], quantity: 1 }] });
        expect(answer.status).toBe(202);
        placed++;
        const at = Date.now();
        reads.push(
          request(web.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': String(answer.body.position), 'X-Wait-Ms': '20000' }).then((read) => ({
            ms: Date.now() - at,
            status: read.status,
            consistency: read.headers.get('x-consistency'),
            at,
          })),
        );
        await sleep(15);
      }
    })();

    try {
      await sleep(1_500);
      // stop the holder with a batch transaction open: stop, look, and let it go on until one is caught open
      const tokensBefore = new Map((await leases()).map((row) => [row.name, row.token]));
      let stoppedAt = 0;
      for (let attempt = 0; stoppedAt === 0; attempt++) {
        if (attempt > 300) throw new Error('never caught the holder inside a batch transaction');
        holder.child.kill('SIGSTOP');
        const at = Date.now();
        await sleep(40);
        const { rows } = await observer.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction' AND backend_xid IS NOT NULL`,
          [holderApp],
        );
        if (Number(rows[0]!.n) > 0) stoppedAt = at;
        else {
          holder.child.kill('SIGCONT');
          await sleep(Math.random() * 40);
        }
      }

      // the cause, named where operators look: the metric labels the stopped projector's backend
      await sleep(Math.max(0, stoppedAt + 1_000 - Date.now()));
      const metrics = await (await fetch(`${web.url}/metrics`)).text();
      const heldBackBy = /^twofold_readers_held_back_by_seconds\{(.*)\} (\S+)$/m.exec(metrics);
      expect(heldBackBy?.[1]).toContain(`application_name="${holderApp}"`);
      expect(heldBackBy?.[1]).toContain('state="idle in transaction"');
      expect(Number(heldBackBy?.[2])).toBeGreaterThanOrEqual(0.9);

      // while it is stopped: when does the standby hold every lease?
      let takenOverAt: number | undefined;
      while (Date.now() - stoppedAt < stopMs) {
        if (takenOverAt === undefined && (await heldBy(standby.child.pid!))) takenOverAt = Date.now();
        await sleep(25);
      }
      const resumedAt = Date.now();
      holder.child.kill('SIGCONT');
      await sleep(2_000);
      writing = false;
      await writer;
      const answered = await Promise.all(reads);

      const takeoverMs = takenOverAt === undefined ? undefined : takenOverAt - stoppedAt;
      const stalls = answered.filter((read) => read.at >= stoppedAt - 500 && read.at <= resumedAt);
      const worstStallMs = Math.max(...answered.map((read) => read.ms));
      console.log(
        `stalled projector: takeover ${takeoverMs} ms after SIGSTOP (ttl ${leaseTtlMs} ms); worst token read ${worstStallMs} ms ` +
          `(idle-in-transaction timeout ${idleInTransactionTimeoutMs} ms); ${placed} orders, ${stalls.length} read while stopped`,
      );
      expect(takeoverMs, 'the standby took every lease while the holder was stopped').toBeDefined();
      expect(takeoverMs!).toBeLessThanOrEqual(leaseTtlMs + marginMs);
      // every read answered, caught up, and none stalled beyond the bounds (the holder stayed stopped 6 s)
      expect(answered.every((read) => read.status === 200 && read.consistency === 'caught-up')).toBe(true);
      expect(stalls.length).toBeGreaterThan(10);
      expect(worstStallMs).toBeLessThanOrEqual(Math.max(leaseTtlMs, idleInTransactionTimeoutMs) + marginMs);
      // every lease changed hands (a new fencing token) and stays with the standby
      for (const row of await leases()) expect(row.token).toBeGreaterThan(tokensBefore.get(row.name)!);
      expect(await heldBy(standby.child.pid!)).toBe(true);

      // the resumed holder committed nothing after it was stopped: its open batch was ended by the server, and later
      // ones are refused by the compare-and-set (its grants are no longer current)
      const { rows: moves } = await observer.query<{ before: string; after: string }>(
        `SELECT count(*) FILTER (WHERE moved_at < to_timestamp($2 / 1000.0)) AS before, count(*) FILTER (WHERE moved_at >= to_timestamp($2 / 1000.0)) AS after
         FROM test_checkpoint_moves WHERE application_name = $1`,
        [holderApp, stoppedAt],
      );
      expect(Number(moves[0]!.before)).toBeGreaterThan(0);
      expect(Number(moves[0]!.after)).toBe(0);
      expect(holder.output()).toMatch(/projection lease lost/);
    } finally {
      writing = false;
      holder.child.kill('SIGCONT');
      await writer.catch(() => undefined);
    }

    // every read model ends equal to one built from scratch from the same log
    const head = (await observer.query<{ xid: string; position: string }>(
      'SELECT transaction_id::text AS xid, global_position::text AS position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    )).rows[0]!;
    const caughtUp = async (client: PostgresClient): Promise<boolean> => {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM twofold_checkpoints WHERE transaction_id = $1 AND position = $2 AND name = ANY($3)', [
        head.xid,
        head.position,
        shopProjections.map((p) => p.name),
      ]);
      return Number(rows[0]!.n) === shopProjections.length;
    };
    for (let i = 0; !(await caughtUp(observer)); i++) {
      if (i > 400) throw new Error('the standby never caught up');
      await sleep(50);
    }
    const reference = await createTestDatabase();
    databases.push(reference);
    const referenceClient = await openSqlClient(reference.url);
    clients.push(referenceClient);
    await migrate(referenceClient);
    const eventStore: EventStore = postgresEventStore(observer);
    const projectionStore = postgresProjectionStore(referenceClient);
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: shopProjections, batchSize: 1_000 });
    daemon.start();
    try {
      for (let i = 0; !(await caughtUp(referenceClient)); i++) {
        if (i > 1_200) throw new Error('the reference build did not finish');
        await sleep(50);
      }
    } finally {
      await daemon.stop();
      await projectionStore.close();
      await eventStore.close();
    }
    const [after, expected] = await Promise.all([dumpReadModels(observer), dumpReadModels(referenceClient)]);
    expect(after.order_summaries!.length).toBeGreaterThan(0);
    expect(after).toEqual(expected);
  });
});
