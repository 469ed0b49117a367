// Identifiers interpolated into DDL (schemas, tables, views), which parameters cannot carry.

/** Quotes an identifier for SQL text: `a"b` → `"a""b"`. */
export const quoteIdentifier = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** `schema.name`, both quoted. */
export const qualified = (schema: string, name: string): string => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
