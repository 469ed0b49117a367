// For tests of what a statement costs: a migrated database of the test's own, and the plan PostgreSQL ran a statement
// with, its nodes and the blocks it touched.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { NamedStatement, PostgresClient } from './postgres-client.js';

/** A fresh database with the Twofold schema for the file's tests, then `prepare` (tables filled, say); dropped after them. */
export function useMigratedDatabase(prepare: (client: PostgresClient) => Promise<void> = async () => undefined): () => PostgresClient {
  let database: TestDatabase | undefined;
  let client: PostgresClient | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient(database.url);
    await migrate(client);
    await prepare(client);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });
  return () => {
    if (client === undefined) throw new Error('the migrated database is there only once beforeAll ran');
    return client;
  };
}

/** A node of EXPLAIN (FORMAT JSON), with the fields these tests read. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Recheck Cond'?: string;
  readonly 'Rows Removed by Filter'?: number;
  readonly 'Shared Hit Blocks'?: number;
  readonly 'Shared Read Blocks'?: number;
  readonly Plans?: readonly PlanNode[];
}

export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Blocks a plan's root touched, found in shared buffers or read: what the whole statement cost in pages. */
export const blocksOf = (plan: PlanNode): number => (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);

export interface PreparedRun {
  /** The parameter types, as PREPARE takes them. */
  readonly types?: readonly string[];
  /** The parameters as SQL literals (EXPLAIN EXECUTE takes no bound parameters). */
  readonly literals?: readonly string[];
  /** Custom or generic plans; unset: PostgreSQL chooses, as it does for the driver's prepared statements. */
  readonly planMode?: 'force_custom_plan' | 'force_generic_plan';
}

/**
 * Runs `statement` as a prepared statement under EXPLAIN (ANALYZE, BUFFERS) and answers the root of the plan it
 * ran with. Whatever it changed is rolled back.
 */
export async function explainPrepared(client: PostgresClient, statement: NamedStatement, run: PreparedRun = {}): Promise<PlanNode> {
  const { types = [], literals = [], planMode } = run;
  let plan: PlanNode | undefined;
  const rollBack = new Error('roll back the explained statement');
  await client
    .transaction(async (session) => {
      if (planMode !== undefined) await session.query(`SET LOCAL plan_cache_mode = ${planMode}`);
      await session.query(`PREPARE explained${types.length === 0 ? '' : `(${types.join(', ')})`} AS ${statement.text}`);
      const { rows } = await session.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE explained${literals.length === 0 ? '' : `(${literals.join(', ')})`}`,
      );
      // a prepared statement outlives the transaction: gone before the rollback
      await session.query('DEALLOCATE explained');
      plan = rows[0]!['QUERY PLAN'][0].Plan;
      throw rollBack;
    })
    .catch((error: unknown) => {
      if (error !== rollBack) throw error;
    });
  return plan!;
}

/** A text as an SQL string literal. */
export const sqlLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;
