// The shape of a schema migration: a version, a name and the SQL that takes the schema to that version.

export interface Migration {
  /** Applied in ascending order; never reused or edited once released. */
  readonly version: number;
  readonly name: string;
  /** One SQL statement each, run in order inside the migration transaction, on PostgreSQL 15 and PGlite alike. */
  readonly statements: readonly string[];
}
