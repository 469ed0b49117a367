// Generations of a projection's tables: each in a schema of its own; readers see one through views in their own schema.
import type { ProjectionDefinition } from '@twofold/core';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { createGenerationSchema } from './statements/create-generation-schema.js';
import { createReaderView } from './statements/create-reader-view.js';
import { dropReaderView } from './statements/drop-reader-view.js';
import { readCurrentReaderViews } from './statements/read-current-reader-views.js';
import { readCurrentSchema } from './statements/read-current-schema.js';
import { readSharedNames } from './statements/read-shared-names.js';
import { useGenerationSchemas } from './statements/use-generation-schema.js';

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
  /**
   * One search path for the batches of several projections (each with its generation and the tables it declares),
   * when every unqualified name resolves to the same object under it as under each one's own path (see `sharesOnePath`).
   * Answers whether it set that path; when not, the caller sets each one's own path with `use`.
   */
  useTogether(session: SqlSession, members: readonly GenerationOf[]): Promise<boolean>;
  /** Creates the generation's schema and runs the projection's setup in it. */
  setUp(session: SqlSession, projection: ProjectionDefinition<SqlSession>, generation: number): Promise<void>;
  /** Points the readers' views of `tables` at `generation`. */
  expose(session: SqlSession, name: string, generation: number, tables: readonly string[]): Promise<void>;
}

/** A projection's generation whose batch applies in a transaction, and the tables it declares. */
export interface GenerationOf {
  readonly name: string;
  readonly generation: number;
  readonly tables: readonly string[];
}

/** How long what the catalog said about a set of schemas is trusted: a process that adds objects to a live generation (a new release's setup) is noticed within this. */
const sharedNamesTrustedMs = 60_000;

/**
 * Under one path of every member's schema (then the readers'), a name could resolve to another member's object where
 * its own path would have found the readers' one or none. That cannot happen when no name is in two of those schemas,
 * save a member's declared table and the readers' view of it (the view shows that very table: same rows either way).
 */
export function sharesOnePath(members: readonly GenerationOf[], readerSchema: string, shared: readonly { name: string; schemas: readonly string[] }[]): boolean {
  const declaredIn = new Map(members.map((member) => [generationSchema(member.name, member.generation), new Set(member.tables)]));
  return shared.every(
    ({ name, schemas }) => schemas.length === 2 && schemas.includes(readerSchema) && schemas.some((schema) => declaredIn.get(schema)?.has(name) === true),
  );
}

export function projectionGenerations(): ProjectionGenerations {
  let readerSchemaName: string | undefined;
  /** Per set of schemas (sorted, joined): whether they share one path, and until when that is trusted. */
  const together = new Map<string, { readonly shares: boolean; readonly until: number }>();

  async function readerSchema(session: SqlSession): Promise<string> {
    if (readerSchemaName === undefined) {
      const { rows } = await runStatement<{ schema: string }>(session, readCurrentSchema);
      readerSchemaName = rows[0]!.schema;
    }
    return readerSchemaName;
  }

  async function use(session: SqlSession, name: string, generation: number, tables: DeclaredTables): Promise<void> {
    if (tables !== null) await session.query(useGenerationSchemas([generationSchema(name, generation)], await readerSchema(session)));
  }

  async function useTogether(session: SqlSession, members: readonly GenerationOf[]): Promise<boolean> {
    const readers = await readerSchema(session);
    const bySchema = new Map(members.map((member) => [generationSchema(member.name, member.generation), member]));
    const schemas = [...bySchema.keys()].sort();
    const key = schemas.join('\u0000');
    let known = together.get(key);
    if (known === undefined || known.until <= Date.now()) {
      const { rows } = await runStatement<{ name: string; schemas: string[] }>(session, readSharedNames, [[...schemas, readers]]);
      known = { shares: sharesOnePath([...bySchema.values()], readers, rows), until: Date.now() + sharedNamesTrustedMs };
      together.set(key, known);
    }
    if (known.shares) await session.query(useGenerationSchemas(schemas, readers));
    return known.shares;
  }

  return {
    readerSchema,
    use,
    useTogether,
    async setUp(session, projection, generation) {
      // what the catalog said of any set of schemas may no longer hold once a setup has run
      together.clear();
      const tables = projection.tables ?? null;
      if (tables !== null) await session.query(createGenerationSchema(generationSchema(projection.name, generation)));
      await use(session, projection.name, generation, tables);
      await projection.setup?.(session);
    },
    async expose(session, name, generation, tables) {
      const readers = await readerSchema(session);
      const schema = generationSchema(name, generation);
      // a view made again takes a lock every read of it waits for (and a read holding one of its relations deadlocks
      // with): only the views that do not show this generation's tables as they are now are made again
      const { rows } = await runStatement<{ name: string }>(session, readCurrentReaderViews, [readers, schema, [...tables]]);
      const current = new Set(rows.map((row) => row.name));
      for (const table of tables.filter((t) => !current.has(t))) {
        await session.query(dropReaderView(readers, table));
        await session.query(createReaderView(readers, table, schema));
      }
    },
  };
}
