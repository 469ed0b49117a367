// Drops one generation of a projection's tables with their schema (an abandoned rebuild, or the generation readers left).
import { quoteIdentifier } from '../sql-identifier.js';

export const dropGenerationSchema = (schema: string): string => `DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`;
