// Creates the schema holding one generation of a projection's tables (idempotent). DDL: the schema name is text, not a parameter.
import { quoteIdentifier } from '../sql-identifier.js';

export const createGenerationSchema = (schema: string): string => `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`;
