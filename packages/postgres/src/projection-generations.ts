// Generations of a projection's tables: each in a schema of its own; readers see one through views in their own schema.
import type { ProjectionDefinition } from '@twofold/core';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { createGenerationSchema } from './statements/create-generation-schema.js';
import { createReaderView } from './statements/create-reader-view.js';
import { dropReaderView } from './statements/drop-reader-view.js';
import { readCurrentSchema } from './statements/read-current-schema.js';
import { useGenerationSchema } from './statements/use-generation-schema.js';

/** The schema holding one generation of a projection's tables. */
export const generationSchema = (name: string, generation: number): string =>
  `twofold_rm_${name.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase().slice(0, 40)}_${generation}`;

/** The tables a projection declares, or null when it declares none (then it has no generations: it writes where it likes). */
export type DeclaredTables = readonly string[] | null;

export interface ProjectionGenerations {
  /**
   * The schema readers resolve unqualified names in: the views of live generations go there. Asked through the
   * caller's session, never the client: on a single-connection client (PGlite) that would wait for the session itself.
   * Call it before any SET LOCAL search_path moves current_schema(); it is learnt once.
   */
  readerSchema(session: SqlSession): Promise<string>;
  /** For the rest of the transaction, the projection's tables of `generation` come first on the search path (when it declares tables). */
  use(session: SqlSession, name: string, generation: number, tables: DeclaredTables): Promise<void>;
  /** Creates the generation's schema and runs the projection's setup in it. */
  setUp(session: SqlSession, projection: ProjectionDefinition<SqlSession>, generation: number): Promise<void>;
  /** Points the readers' views of `tables` at `generation`. */
  expose(session: SqlSession, name: string, generation: number, tables: readonly string[]): Promise<void>;
}

export function projectionGenerations(): ProjectionGenerations {
  let readerSchemaName: string | undefined;

  async function readerSchema(session: SqlSession): Promise<string> {
    if (readerSchemaName === undefined) {
      const { rows } = await runStatement<{ schema: string }>(session, readCurrentSchema);
      readerSchemaName = rows[0]!.schema;
    }
    return readerSchemaName;
  }

  async function use(session: SqlSession, name: string, generation: number, tables: DeclaredTables): Promise<void> {
    if (tables !== null) await session.query(useGenerationSchema(generationSchema(name, generation), await readerSchema(session)));
  }

  return {
    readerSchema,
    use,
    async setUp(session, projection, generation) {
      const tables = projection.tables ?? null;
      if (tables !== null) await session.query(createGenerationSchema(generationSchema(projection.name, generation)));
      await use(session, projection.name, generation, tables);
      await projection.setup?.(session);
    },
    async expose(session, name, generation, tables) {
      const readers = await readerSchema(session);
      for (const table of tables) {
        await session.query(dropReaderView(readers, table));
        await session.query(createReaderView(readers, table, generationSchema(name, generation)));
      }
    },
  };
}
